/** The metadata key of a run that had parts dropped for their size: what was dropped and why. */
export const DROPPED_METADATA_KEY = "catena_dropped";

/** The environment variable that raises the studio's request-body limit, in MiB. */
export const MAX_BODY_ENV = "CATENA_STUDIO_MAX_BODY_MB";

/**
 * Why a part of a trace upload was left out, as the run shows it, e.g. `inputs dropped: 40.0 MB,
 * over the studio's 32.0 MB limit for one part; start the studio with CATENA_STUDIO_MAX_BODY_MB=48 ... to
 * keep such runs whole`.
 */
export function droppedNote(what: string, bytes: number, keepBytes: number): string {
  // Room for the part and the rest of its run, in steps of 16 MiB, and more than the limit now.
  const needed = Math.max(
    Math.ceil((bytes + MIB) / MIB / 16) * 16,
    Math.floor(keepBytes / MIB / 16) * 16 + 16,
  );
  return (
    `${what} dropped: ${size(bytes)}, over the studio's ${size(keepBytes)} limit for one part; ` +
    `start the studio with ${MAX_BODY_ENV}=${needed} (startStudio({ bodyLimitBytes })) to keep such runs whole`
  );
}

/**
 * What a run field that was dropped is stored as: the note where the page shows the field (an
 * object `{ catena_dropped: note }` for inputs and outputs, the note itself for an error).
 */
export function droppedFieldValue(field: string, note: string): unknown {
  if (field === "error") return note;
  if (field === "events") return [{ name: DROPPED_METADATA_KEY, message: note }];
  if (field === "extra") return { metadata: { [DROPPED_METADATA_KEY]: note } };
  return { [DROPPED_METADATA_KEY]: note };
}

const MIB = 1024 * 1024;

function size(bytes: number): string {
  return bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
