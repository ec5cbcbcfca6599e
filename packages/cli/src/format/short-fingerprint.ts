/** The first 12 hex digits of a fingerprint, as shown in text output (JSON output has the full one). */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}
