// What the classifier prediction benches read: the built banking-intents classifier artifact and the
// dev split's texts, plus a synchronous CPU-time probe.
import { readFileSync } from "node:fs";

const dir = new URL("../../packages/chains/artifacts/banking-intents/", import.meta.url);

/** Path of the built banking-intents classifier (`pnpm --filter @catena/chains build:artifacts`). */
export const classifierPath = new URL("classifier.catena", dir).pathname;

/** The dev split's texts (the CSV's first column; labels have no comma). */
export const devTexts: string[] = readFileSync(new URL("split/dev.csv", dir), "utf8")
  .split("\n")
  .slice(1)
  .filter((l) => l.length > 0)
  .map((l) => l.slice(0, l.lastIndexOf(",")));

/** CPU milliseconds (user + system) that `fn` takes. */
export function cpuMs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}
