/*
 * Shadow runs through the built binary: `catena batch --shadow` and `catena run --shadow` leave the
 * output as it is without them, the candidate's runs reach the studio tagged `shadow`, and
 * `catena shadow report` counts the planted disagreements (the candidate routes refunds elsewhere).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
