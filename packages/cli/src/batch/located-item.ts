/** One input read from a batch file, with the line it ends on (1-based) for messages. */
export interface LocatedItem {
  /** The input, or an `UnreadableItem` when the line or record could not be read. */
  value: unknown;
  line: number;
}
