/*
 * Shadow runs through the built binary: `catena batch --shadow` and `catena run --shadow` leave the
 * output as it is without them, the candidate's runs reach the studio tagged `shadow`, and
 * `catena shadow report` counts the planted disagreements (the candidate routes refunds elsewhere).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startStudio } from "@catena/studio";
import { Client } from "langsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catena } from "./support/run-catena.ts";
import { rootRuns } from "./support/studio-runs.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-shadow-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const chains = fileURLToPath(new URL("./fixtures/cli/shadow-chains.ts", import.meta.url));
const env = {
  CATENA_STUDIO_DB: join(dir, "studio.db"),
  LANGSMITH_API_KEY: undefined,
  CATENA_STUDIO_URL: undefined,
  LANGSMITH_PROJECT: "shadow-e2e",
};
// 6 refunds (disagreements), 5 parcels (agree, keyword tier), 9 others (agree, fallback tier).
const texts = [
  ...Array.from({ length: 6 }, (_, i) => `I want a refund for order ${i}`),
  ...Array.from({ length: 5 }, (_, i) => `Where is my parcel number ${i}?`),
  ...Array.from({ length: 9 }, (_, i) => `Hello, question number ${i}`),
];
const resultsOf = (file: string) =>
  readFileSync(join(dir, file), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { index?: number; output?: unknown })
    .filter((r) => r.index !== undefined)
    .sort((a, b) => (a.index as number) - (b.index as number))
    .map((r) => r.output);

beforeAll(() => {
  writeFileSync(join(dir, "in.jsonl"), texts.map((text) => `${JSON.stringify({ text })}\n`).join(""));
});

describe("shadow runs from the CLI", () => {
  it("batch --shadow gives the same results as without, and the candidate's runs are in the studio tagged shadow", async () => {
    const plain = await catena(
      [
        "--chains",
        chains,
        "--no-trace",
        "batch",
        "router@1.0.0",
        "--file",
        "in.jsonl",
        "--out",
        "plain.jsonl",
      ],
      {
        cwd: dir,
        env,
      },
    );
    expect(plain.code, plain.stderr).toBe(0);
    const shadowed = await catena(
      [
        "--chains",
        chains,
        "batch",
        "router@1.0.0",
        "--file",
        "in.jsonl",
        "--out",
        "shadowed.jsonl",
        "--shadow",
        "router@2.0.0",
      ],
      { cwd: dir, env },
    );
    expect(shadowed.code, shadowed.stderr).toBe(0);
    expect(resultsOf("shadowed.jsonl")).toEqual(resultsOf("plain.jsonl"));

    const studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
    try {
      const client = new Client({ apiUrl: studio.url, apiKey: "test" });
      const roots = await rootRuns(client, "shadow-e2e");
      const shadows = roots.filter((r) => r.tags?.includes("shadow"));
      expect(shadows).toHaveLength(texts.length);
      const currentIds = new Set(roots.filter((r) => !r.tags?.includes("shadow")).map((r) => r.id));
      for (const s of shadows) {
        const metadata = (s.extra as { metadata: Record<string, unknown> }).metadata;
        expect(metadata.version).toBe("2.0.0");
        expect(currentIds.has(metadata.shadow_of as string)).toBe(true);
      }
    } finally {
      await studio.close();
    }
  }, 120_000);

  it("a --shadow that names no chain, or a bad --shadow-share, is refused at once while tracing (the process exits)", async () => {
    // Tracing to the local studio (started in-process) is on: these were thrown after it started,
    // and the process stayed up for ever (a batch ignored SIGTERM too).
    for (const args of [
      ["run", "router@1.0.0", "--text", "refund please", "--shadow", "router@9.9.9"],
      ["run", "router@1.0.0", "--text", "refund please", "--shadow", "router@2.0.0", "--shadow-share", "5"],
      ["batch", "router@1.0.0", "--file", "in.jsonl", "--out", "never.jsonl", "--shadow", "router@9.9.9"],
      // A share without a candidate was ignored without a word.
      ["run", "router@1.0.0", "--text", "refund please", "--shadow-share", "0.5"],
      ["batch", "router@1.0.0", "--file", "in.jsonl", "--out", "never.jsonl", "--shadow-share", "0.2"],
      // ... even a share equal to the default.
      ["run", "router@1.0.0", "--text", "refund please", "--shadow-share", "1"],
    ]) {
      const r = await catena(["--chains", chains, ...args], { cwd: dir, env, timeoutMs: 20_000 });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(
        /^catena: (Unknown chain "router@9\.9\.9"|--shadow-share must be|--shadow-share needs --shadow <chain@version>)/,
      );
    }
  }, 90_000);

  it("run --shadow prints the current version's answer", async () => {
    const r = await catena(
      [
        "--chains",
        chains,
        "run",
        "router@1.0.0",
        "--text",
        "refund please",
        "--shadow",
        "router@2.0.0",
        "--shadow-share",
        "1",
      ],
      { cwd: dir, env: { ...env, LANGSMITH_PROJECT: "shadow-run" } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ label: "billing", tier: "keywords" });
  }, 60_000);

  it("shadow report counts the planted disagreements per tier and label, and writes them out", async () => {
    const r = await catena(
      ["--chains", chains, "shadow", "report", "router", "--since", "1h", "--out", "dis.jsonl"],
      {
        cwd: dir,
        env,
      },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^router 1\.0\.0 shadowed by 2\.0\.0: 20 pairs, agreement 70\.0% \(6 disagreements\)\./,
    );
    expect(r.stdout).toMatch(/^keywords\s+11\s+6\s+45\.5%$/m);
    expect(r.stdout).toMatch(/^fallback\s+9\s+0\s+100\.0%$/m);
    expect(r.stdout).toMatch(/^billing\s+6\s+6\s+0\.0%$/m);
    const written = readFileSync(join(dir, "dis.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { text: string; current: string; candidate: string });
    expect(written).toHaveLength(6);
    for (const d of written) {
      expect(d.text).toMatch(/refund/);
      expect([d.current, d.candidate]).toEqual(["billing", "returns"]);
    }
    const json = JSON.parse(
      (
        await catena(["--chains", chains, "--json", "shadow", "report", "router", "--out", "dis2.jsonl"], {
          cwd: dir,
          env,
        })
      ).stdout,
    );
    expect(json.agreement).toEqual({ pairs: 20, agree: 14, rate: 0.7 });
    expect(json.byLabel.shipping).toEqual({ pairs: 5, agree: 5, rate: 1 });
  }, 60_000);
});

describe("a chain that is no longer loaded", () => {
  // After promoting the candidate only router@2.0.0 is loaded: 1.0.0's runs are what gets compared.
  const promoted = join(dir, "promoted.mjs");
  beforeAll(() => {
    writeFileSync(
      promoted,
      `import { routers } from ${JSON.stringify(pathToFileURL(chains).href)};\nexport const current = routers[1];\n`,
    );
  });
  /** `catena --json <args>` (given as one string; `{promoted}` and `{chains}` are the modules), parsed. */
  const json = async (args: string) => {
    const argv = args.split(" ").map((a) => (a === "{promoted}" ? promoted : a === "{chains}" ? chains : a));
    const r = await catena(["--json", ...argv], { cwd: dir, env });
    expect(r.code, `${args}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout);
  };

  it("is read from its traces: a past version after a promotion, and a retired chain given its --project", async () => {
    const all = await json("--chains {chains} sample router@1.0.0 --n 3 --out all.jsonl");
    expect(all.runs).toBeGreaterThanOrEqual(20);
    const past = await json("--chains {promoted} sample router@1.0.0 --n 3 --out past.jsonl");
    expect(past.runs).toBe(all.runs);
    const report = await json("--chains {chains} shadow report router@1.0.0 --out a.jsonl");
    expect(report.agreement.pairs).toBe(20);
    const pastReport = await json("--chains {promoted} shadow report router@1.0.0 --out b.jsonl");
    expect(pastReport.agreement).toEqual(report.agreement);
    writeFileSync(join(dir, "base.csv"), `text,label\n${texts.map((t) => `"${t}",other`).join("\n")}\n`);
    const skew = await json("--chains {promoted} skew router@1.0.0 --baseline base.csv");
    expect(skew.recent).toBe(all.runs);
    // No module loads a router at all: retired, its runs are still in its project.
    const retired = await json("sample router --project shadow-e2e --n 3 --out r.jsonl");
    expect(retired.runs).toBeGreaterThan(all.runs);
    const retiredReport = await json("shadow report router --project shadow-e2e --out c.jsonl");
    expect(retiredReport.agreement.pairs).toBe(20);
  }, 120_000);

  it("is refused when no traced runs match it either, or no --project is given for an unknown name", async () => {
    for (const [args, why] of [
      [
        ["sample", "routr", "--project", "shadow-e2e", "--out", "x.jsonl"],
        /project shadow-e2e has no traced runs of it since/,
      ],
      [
        ["--chains", promoted, "sample", "router@9.9.9", "--out", "x.jsonl"],
        /project shadow-e2e has no traced runs of it since/,
      ],
      [
        ["--chains", promoted, "shadow", "report", "router@9.9.9", "--out", "x.jsonl"],
        /has no traced runs of it since/,
      ],
      [["sample", "router", "--out", "x.jsonl"], /give the --project it traced to/],
    ] as const) {
      const r = await catena([...args], { cwd: dir, env });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^catena: Unknown chain "[^"]+"\. Known chains: /);
      expect(r.stderr).toMatch(why);
    }
  }, 60_000);
});
