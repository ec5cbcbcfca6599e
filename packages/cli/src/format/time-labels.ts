/**
 * ISO times as table labels (`2026-12-06 18:11`), to the minute when that tells them apart, else to
 * the second, else to the millisecond: time slices of a batch that took seconds must not all read
 * the same minute.
 *
 * @example
 * timeLabels(["2026-12-06T18:11:02.100Z", "2026-12-06T18:11:05.700Z"]); // ["2026-12-06 18:11:02", "2026-12-06 18:11:05"]
 */
export function timeLabels(isoTimes: readonly string[]): string[] {
  for (const length of [16, 19]) {
    const labels = isoTimes.map((t) => t.slice(0, length).replace("T", " "));
    if (new Set(labels).size === new Set(isoTimes).size) return labels;
  }
  return isoTimes.map((t) => t.slice(0, 23).replace("T", " "));
}
