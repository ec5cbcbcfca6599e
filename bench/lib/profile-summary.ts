// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, and by
// self time per source file.
//
//   node bench/lib/profile-summary.ts PROFILE.cpuprofile [--top=30] [--filter=substring]
//
// With --filter, two more tables cover the files whose URL contains the substring: their functions
// by inclusive (self + callees) time, and their source lines by self samples (V8 line ticks).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fmt, markdownTable, numberArg } from "./report.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv.slice(2).find((a) => !a.startsWith("--"));
if (!file) {
  console.error(
    "usage: node bench/lib/profile-summary.ts PROFILE.cpuprofile [--top=30] [--filter=substring]",
  );
  process.exit(2);
}
const top = numberArg("top", 30);
const filter = process.argv.find((a) => a.startsWith("--filter="))?.slice("--filter=".length);
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;

// Self time of each node: sum of the time deltas of the samples taken in it.
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i] as number;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (url: string): string => {
  if (url === "") return "(native)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm + "node_modules/".length).replace(/^\.pnpm\/[^/]+\/node_modules\//, "");
  const pk = url.indexOf("/packages/");
  if (pk >= 0) return url.slice(pk + 1);
  return url.replace(/^file:\/\/.*\/(bench\/)/, "$1");
};
const keyOf = (f: CallFrame): string =>
  `${f.functionName || "(anonymous)"}  ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ""}`;

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
for (const [id, us] of selfUs) {
  const frame = (byId.get(id) as ProfileNode).callFrame;
  byFunction.set(keyOf(frame), (byFunction.get(keyOf(frame)) ?? 0) + us);
  const fileKey = frame.url ? shortUrl(frame.url) : frame.functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
}

const pct = (us: number): string => `${fmt((100 * us) / totalUs, 1)}%`;
const rowsOf = (m: Map<string, number>, n: number): string[][] =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => [k, fmt(us / 1000, 1), pct(us)]);

console.log(`profile ${file}: ${fmt(totalUs / 1000, 0)} ms sampled, ${profile.samples.length} samples\n`);
console.log(`## top ${top} functions by self time\n`);
console.log(markdownTable(["function  file:line", "self ms", "self %"], rowsOf(byFunction, top)));
console.log(`\n## self time by file (top ${top})\n`);
console.log(markdownTable(["file", "self ms", "self %"], rowsOf(byFile, top)));

if (filter) {
  // Inclusive time: a node's self time plus its descendants', counted once per function per stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = (byId.get(cur) as ProfileNode).callFrame;
      if (!frame.url.includes(filter)) continue;
      const k = keyOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  console.log(`\n## functions in *${filter}* by inclusive time (top ${top})\n`);
  console.log(markdownTable(["function  file:line", "incl ms", "incl %"], rowsOf(inclusive, top)));
}

if (filter) {
  // Self samples by source line, from V8's per-line ticks, with the line's text.
  const lineTicks = new Map<string, { url: string; line: number; ticks: number }>();
  for (const n of profile.nodes) {
    if (!n.callFrame.url.includes(filter)) continue;
    for (const t of n.positionTicks ?? []) {
      const k = `${n.callFrame.url}:${t.line}`;
      const entry = lineTicks.get(k) ?? { url: n.callFrame.url, line: t.line, ticks: 0 };
      entry.ticks += t.ticks;
      lineTicks.set(k, entry);
    }
  }
  const sources = new Map<string, string[]>();
  const textOf = (url: string, line: number): string => {
    if (!sources.has(url)) {
      try {
        sources.set(
          url,
          readFileSync(url.startsWith("file:") ? fileURLToPath(url) : url, "utf8").split("\n"),
        );
      } catch {
        sources.set(url, []);
      }
    }
    return (sources.get(url)?.[line - 1] ?? "").trim().slice(0, 90).replaceAll("|", "\\|");
  };
  const samples = profile.samples.length;
  const rows = [...lineTicks.values()]
    .sort((a, b) => b.ticks - a.ticks)
    .slice(0, top)
    .map((e) => [
      `${shortUrl(e.url)}:${e.line}`,
      String(e.ticks),
      `${fmt((100 * e.ticks) / samples, 1)}%`,
      textOf(e.url, e.line),
    ]);
  console.log(`\n## lines in *${filter}* by self samples (top ${top})\n`);
  console.log(markdownTable(["file:line", "samples", "% of all", "source"], rows, ["l", "r", "r", "l"]));
}
