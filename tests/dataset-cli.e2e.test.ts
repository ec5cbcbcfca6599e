/*
 * End-to-end tests of `catena dataset push|pull|list|add`: the BUILT binary against a studio
 * started here and reached over HTTP (CATENA_STUDIO_URL), read back with the real `langsmith` SDK.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { feedback, traceClient } from "@catena/core/tracing";
import { startStudio } from "@catena/studio";
import { Client, type Example } from "langsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

let dir: string;
let studio: Awaited<ReturnType<typeof startStudio>>;
let sdk: Client;
const cli = (...args: string[]) => catena(args, { cwd: dir, env: { CATENA_STUDIO_URL: studio.url } });

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-dataset-cli-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
  sdk = new Client({ apiUrl: studio.url, apiKey: "test" });
}, 180_000);

afterAll(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function examplesOf(name: string): Promise<Example[]> {
  const out: Example[] = [];
  for await (const e of sdk.listExamples({ datasetName: name })) out.push(e as Example);
  return out;
}

describe("catena dataset push, list and pull", () => {
  it("pushes a CSV, then reports a re-push as unchanged and an edit as added/updated/removed", async () => {
    await writeFile(
      join(dir, "intents.csv"),
      'text,label,split\n"my card, lost",card,dev\npin blocked,pin,test\nhello,other,\n',
    );
    const first = await cli("dataset", "push", "intents.csv", "--output-fields", "label");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^Dataset intents \(3 examples, content [0-9a-f]{16}\) in the studio at .*: created: 3 added/,
    );
    const examples = await examplesOf("intents");
    expect(examples.find((e) => e.inputs.text === "my card, lost")).toMatchObject({
      outputs: { label: "card" },
      metadata: { dataset_split: ["dev"] },
    });

    const again = await cli("dataset", "push", "intents.csv", "--output-fields", "label");
    expect(again.stdout).toMatch(/: unchanged\.\n$/);

    await writeFile(
      join(dir, "intents.csv"),
      'text,label,split\n"my card, lost",card,train\npin blocked,pin,test\nwhere is my money,transfer,\n',
    );
    const edited = await cli("dataset", "push", "intents.csv", "--output-fields", "label", "--json");
    expect(edited.code).toBe(0);
    expect(JSON.parse(edited.stdout)).toMatchObject({
      name: "intents",
      status: "updated",
      added: 1,
      updated: 1,
      removed: 1,
      unchanged: 1,
    });
    expect((await examplesOf("intents")).map((e) => e.inputs.text).sort()).toEqual([
      "my card, lost",
      "pin blocked",
      "where is my money",
    ]);
  }, 60_000);

  it("lists datasets with their example counts and content hashes", async () => {
    const r = await cli("dataset", "list");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+EXAMPLES\s+CONTENT\s+MODIFIED$/);
    expect(lines.find((l) => l.startsWith("intents"))).toMatch(/^intents\s+3\s+[0-9a-f]{16}\s+\d{4}-/);
    const json = JSON.parse((await cli("dataset", "list", "--json")).stdout) as Array<{ name: string }>;
    expect(json.map((d) => d.name)).toContain("intents");
  });

  it("pulls to stdout or a file that pushes back unchanged, splits and all", async () => {
    const toStdout = await cli("dataset", "pull", "intents");
    expect(toStdout.code).toBe(0);
    const lines = toStdout.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { inputs: { text: string }; splits?: string[] });
    expect(lines.find((l) => l.inputs.text === "my card, lost")?.splits).toEqual(["train"]);

    const pulled = await cli("dataset", "pull", "intents", "--out", "pulled.jsonl");
    expect(pulled.stdout).toMatch(
      /^Pulled intents \(3 examples, content [0-9a-f]{16}\) from .* into pulled\.jsonl\.\n$/,
    );
    expect((await readFile(join(dir, "pulled.jsonl"), "utf8")).trim().split("\n")).toHaveLength(3);
    const back = await cli("dataset", "push", "pulled.jsonl", "--name", "intents");
    expect(back.stdout).toMatch(/: unchanged\.\n$/);
  });

  it("fails with exit code 2, naming the file and line or the dataset, on bad input", async () => {
    await writeFile(join(dir, "broken.jsonl"), '{"inputs": {"text": "a"}}\n{"inputs": \n');
    const broken = await cli("dataset", "push", "broken.jsonl");
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^catena: broken\.jsonl line 2 is not valid JSON/);
    const missing = await cli("dataset", "pull", "no-such-dataset");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No dataset named "no-such-dataset"/);
    // An --out that cannot be written is a usage error found before the pull, as for every --out.
    const intoDir = await cli("dataset", "pull", "no-such-dataset", "--out", ".");
    expect(intoDir.code).toBe(2);
    expect(intoDir.stderr).toMatch(/^catena: --out \. is a directory; give a file path/);
  });

  it("names the local studio's database, not the port it ran on for the command, when a dataset is missing there", async () => {
    const db = join(dir, "local-studio.db");
    const missing = await catena(["dataset", "pull", "no-such-dataset"], {
      cwd: dir,
      env: { CATENA_STUDIO_DB: db },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`No dataset named "no-such-dataset" on the local studio (${db});`);
    expect(missing.stderr).not.toMatch(/127\.0\.0\.1/);
    // --json keeps the error's details (which dataset), not only its code and message.
    const json = await catena(["--json", "dataset", "pull", "no-such-dataset"], {
      cwd: dir,
      env: { CATENA_STUDIO_DB: db },
    });
    expect(json.code).toBe(2);
    const error = JSON.parse(json.stdout).error;
    expect(error).toMatchObject({
      code: "DATASET_NOT_FOUND",
      details: { name: "no-such-dataset", backend: `the local studio (${db})` },
    });
    expect(error.message).toContain(`on the local studio (${db});`);
    expect(JSON.stringify(error)).not.toMatch(/127\.0\.0\.1/);
  });
});

describe("catena dataset add --from-traces", () => {
  it("turns traced runs into examples, a feedback correction becoming the reference output", async () => {
    const charged = await cli(
      "--json",
      "run",
      "support-triage",
      "--text",
      "I was charged twice for my order, refund one",
    );
    expect(charged.code).toBe(0);
    const chargedRun = (JSON.parse(charged.stdout) as { runId: string }).runId;
    const other = await cli(
      "run",
      "support-triage",
      "--text",
      "The parcel never arrived, tracking says lost",
    );
    expect(other.code).toBe(0);
    // A person corrects the first answer (the queue), as in the studio or with `catena feedback`.
    await feedback(
      chargedRun,
      { key: "correctness", score: 0, correction: { queue: "shipping" } },
      { client: traceClient({ apiUrl: studio.url }) },
    );

    const added = await cli(
      "dataset",
      "add",
      "triage-fixes",
      "--from-traces",
      "support-triage",
      "--split",
      "fixes",
      "--since",
      "1h",
    );
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(
      /^2 traced runs \(1 with a correction\) from project .*\nDataset triage-fixes \(2 examples.*created: 2 added/,
    );
    const examples = await examplesOf("triage-fixes");
    const fixed = examples.find((e) => e.metadata?.source_run_id === chargedRun);
    expect(fixed?.inputs).toMatchObject({ text: "I was charged twice for my order, refund one" });
    expect(fixed?.outputs).toMatchObject({ queue: "shipping" });
    expect(fixed?.metadata).toMatchObject({
      chain: "support-triage",
      corrected: true,
      dataset_split: ["fixes"],
    });
    expect(fixed?.metadata?.chain_version).toMatch(/^\d+\.\d+\.\d+$/);

    // Adding the same runs again writes nothing; a LangSmith filter works as well as a chain name.
    const again = await cli(
      "dataset",
      "add",
      "triage-fixes",
      "--from-traces",
      'eq(name, "support-triage")',
      "--json",
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "unchanged", runs: 2, corrected: 1 });
    expect(await examplesOf("triage-fixes")).toHaveLength(2);

    // A chain no loaded chain is named is a typo, refused as `skew` and `sample` refuse it...
    const typo = await cli("dataset", "add", "empty", "--from-traces", "no-such-chain");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/Unknown chain "no-such-chain"\. Known chains: .*support-triage.*--project/);
    // ...but with --project it may be a retired chain: its runs are looked for. None there is
    // the same typo (or the wrong project), refused as `skew` and `sample` refuse it.
    const none = await cli(
      "dataset",
      "add",
      "empty",
      "--from-traces",
      "no-such-chain",
      "--project",
      "default",
      "--json",
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /^catena: Unknown chain "no-such-chain"\. Known chains: .*; and project default has no traced runs of it: check the name, or give the --project its runs were traced to\.\n$/,
    );
    expect(JSON.parse(none.stdout)).toMatchObject({ status: "error", error: { code: "CHAIN_NOT_FOUND" } });
    expect(await sdk.hasDataset({ datasetName: "empty" })).toBe(false);
  }, 60_000);
});
