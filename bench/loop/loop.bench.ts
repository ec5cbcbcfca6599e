// The learning loop, measured: does training from traces make banking-intents call the LLM less?
// Run (after `pnpm build`: the traffic and the training go through the built `catena` binary):
//   node --conditions=@catena/source bench/loop/loop.bench.ts
//
// The chain's fixed dev split (1,499 queries) is cut, stratified, into three parts: "traffic"
// (served through banking-intents with the OpenAI-compatible test server answering as the LLM
// tier, traced into a studio), "calib" (the dev items `catena train --from-traces --dev` calibrates
// and gates the candidate on) and "fresh" (never seen by anything: before and after are measured
// on it). Two runs: the LLM answers with the gold label; the LLM is wrong on 10% of the items.
// Then `catena train banking-intents --from-traces --dev calib.csv --promote`, and both versions
// are measured offline on the fresh part: the share of queries left to the LLM tier and the
// precision of the cheap tiers' answers. The current version's thresholds were chosen on the
// whole dev split, fresh part included, so its "before" is, if anything, flattering.
import { execFile } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  calibrate,
  type LabelledExample,
  loadTextClassifier,
  NeuralTextClassifier,
  splitDataset,
  writeThresholds,
} from "@catena/core/ml";
import { startStudio } from "@catena/studio";
import { startOpenAiTestServer } from "@catena/testing";
// Imported by path: @catena/bench does not depend on @catena/chains or the CLI.
import {
  BANKING_ARTIFACTS_DIR,
  bankingIntentsTrainer,
  bankingSplit,
  INTENTS,
} from "../../packages/chains/src/index.ts";
import { compareCandidate } from "../../packages/cli/src/training/candidate-comparison.ts";
import { machineNotes } from "../lib/report.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const catenaBin = join(root, "packages/cli/bin/catena.js");
const SEED = Number(process.env.LOOP_SEED ?? 13);
// Extra options for `catena train --from-traces`, e.g. LOOP_TRAIN_ARGS="--llm-weight 3".
// Audits of the traffic's cheap-tier answers, e.g. LOOP_AUDIT=0.3 LOOP_AUDIT_PICK=uncertain: the
// batch runs with `--audit 0.3 --audit-pick uncertain --audit-seed <seed>`.
const AUDIT = process.env.LOOP_AUDIT;
const AUDIT_PICK = process.env.LOOP_AUDIT_PICK ?? "uncertain";
const auditArgs =
  AUDIT === undefined ? [] : ["--audit", AUDIT, "--audit-pick", AUDIT_PICK, "--audit-seed", String(SEED)];

const { dev } = bankingSplit();
const first = splitDataset(dev, { seed: SEED, devShare: 0.5, stratify: true });
const traffic = first.train;
const rest = splitDataset(first.dev, { seed: SEED + 1, devShare: 0.5, stratify: true });
const calib = rest.train;
const fresh = rest.dev;

const norm = (t: string) => t.normalize("NFKC").replace(/\s+/g, " ").trim();
const gold = new Map(traffic.map((e) => [norm(e.text), e.label]));

function cli(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [catenaBin, ...args],
      { cwd, env: { ...process.env, LANGSMITH_API_KEY: "", NO_COLOR: "1", ...env }, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") fail(error);
        else done({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
  });
}

function csv(path: string, rows: readonly LabelledExample[]): void {
  writeFileSync(
    path,
    `text,label\n${rows.map((e) => `"${e.text.replaceAll('"', '""')}",${e.label}`).join("\n")}\n`,
  );
}

/**
 * The tiers trained in `from` with thresholds chosen again on `on`. On the calib part, with the
 * shipped tiers: the baseline that tells what retraining changed from what a smaller calibration
 * set changed. On the fresh part itself: the best any choice of thresholds could do with those
 * tiers (an oracle no real calibration reaches), which tells what the tiers themselves allow.
 */
async function rechosen(from: string, to: string, on: readonly LabelledExample[]) {
  mkdirSync(to);
  for (const f of ["classifier.catena", "embedder.catena", "index.catena", "manifest.json"])
    symlinkSync(join(from, f), join(to, f));
  const items = on.map((e) => ({ input: { text: e.text }, label: e.label }));
  const unset = bankingIntentsTrainer.chainFor(to, { version: "1.0.0-rechosen" });
  writeThresholds(join(to, "thresholds.json"), await calibrate(unset, items, { targetPrecision: 0.97 }));
  return bankingIntentsTrainer.chainFor(to, { version: "1.0.0-rechosen" });
}

interface Scenario {
  name: string;
  wrongShare: number;
}

async function runScenario(s: Scenario) {
  const dir = mkdtempSync(join(tmpdir(), "catena-loop-bench-"));
  const studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
  const texts = [...gold.keys()];
  // Deterministic choice of the wrong items: every k-th of the traffic.
  const wrong = new Set(
    s.wrongShare > 0 ? texts.filter((_, i) => i % Math.round(1 / s.wrongShare) === 3) : [],
  );
  const server = await startOpenAiTestServer((_request, info) => {
    const text = info.userText.replace(/^Customer query: /, "").trim();
    const label = gold.get(text) ?? "card_arrival";
    const answer = wrong.has(text)
      ? (INTENTS[(INTENTS.indexOf(label as never) + 1) % INTENTS.length] as string)
      : label;
    return { json: { label: answer }, tokenLogprobs: { [answer]: Math.log(0.9) } };
  });
  try {
    const env = {
      CATENA_STUDIO_URL: studio.url,
      LANGSMITH_PROJECT: "loop",
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: server.url,
    };
    writeFileSync(
      join(dir, "traffic.jsonl"),
      traffic.map((e) => `${JSON.stringify({ text: e.text })}\n`).join(""),
    );
    csv(join(dir, "calib.csv"), calib);
    const t0 = performance.now();
    const batch = await cli(
      ["batch", "banking-intents", "--file", "traffic.jsonl", "--out", "out.jsonl", ...auditArgs],
      dir,
      env,
    );
    if (batch.code !== 0) throw new Error(`batch failed: ${batch.stderr}`);
    const batchMs = performance.now() - t0;
    // Audit calls are counted apart in the batch's summary: the rest of the server's requests are the chain's.
    const auditCalls = Number(/audits: (\d+) LLM calls?/.exec(batch.stdout)?.[1] ?? 0);
    // What the audits measured of the cheap tiers' precision, beside their real precision on the
    // traffic (their answers in the results file against the gold labels).
    let audited: { measured: number | null; low: number; high: number; actual: number } | undefined;
    if (AUDIT !== undefined) {
      const report = await cli(["--json", "audit", "report", "banking-intents", "--since", "1h"], dir, env);
      const overall = (
        JSON.parse(report.stdout) as {
          overall: { precision: number | null; interval: { low: number; high: number } | null };
        }
      ).overall;
      const answers = readFileSync(join(dir, "out.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map(
          (line) =>
            JSON.parse(line) as { input?: { text: string }; output?: { label: string; tier: string } },
        )
        .filter((r) => r.output !== undefined && r.output.tier !== "llm");
      const right = answers.filter((r) => gold.get(norm(r.input?.text ?? "")) === r.output?.label).length;
      audited = {
        measured: overall.precision,
        low: overall.interval?.low ?? 0,
        high: overall.interval?.high ?? 1,
        actual: right / answers.length,
      };
    }
    const t1 = performance.now();
    const trained = await cli(
      [
        "--json",
        "train",
        "banking-intents",
        "--from-traces",
        "--since",
        "1h",
        "--dev",
        "calib.csv",
        "--promote",
        ...(process.env.LOOP_TRAIN_ARGS ?? "").split(" ").filter((a) => a !== ""),
      ],
      dir,
      env,
    );
    const trainMs = performance.now() - t1;
    const result = JSON.parse(trained.stdout) as {
      status: string;
      candidate: { dir: string; version: string };
      traced: Record<string, number>;
      reasons: string[];
    };
    if (result.candidate === undefined) throw new Error(`train failed: ${trained.stdout} ${trained.stderr}`);
    const report = JSON.parse(readFileSync(join(result.candidate.dir, "report.json"), "utf8")) as {
      training: { examples: number };
    };
    console.error(`${s.name}: trained on ${report.training.examples} examples`);
    // The candidate's classifier, loaded on its own: its format version, its hidden-layer memory
    // and the size on disk, so the loop's figures say which classifier they are about.
    const classifierFile = join(result.candidate.dir, "classifier.catena");
    const loadStart = performance.now();
    const classifier = loadTextClassifier(classifierFile);
    const loadMs = performance.now() - loadStart;
    const memory =
      classifier instanceof NeuralTextClassifier ? classifier.neighbours?.labels.length : undefined;
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    const folder = readdirSync(result.candidate.dir).reduce(
      (sum, f) => sum + statSync(join(result.candidate.dir, f)).size,
      0,
    );
    console.error(
      `${s.name}: candidate classifier ${classifier.constructor.name}, hidden-layer memory ${memory ?? "none"}, ` +
        `${mb(statSync(classifierFile).size)} (folder ${mb(folder)}), loaded in ${loadMs.toFixed(0)} ms; ` +
        `"my card has not arrived yet" → ${classifier.predict("my card has not arrived yet").label}`,
    );
    const current = bankingIntentsTrainer.chainFor();
    const candidate = bankingIntentsTrainer.chainFor(result.candidate.dir, {
      version: result.candidate.version,
    });
    const measured = await compareCandidate(
      bankingIntentsTrainer.withoutLlm(current),
      bankingIntentsTrainer.withoutLlm(candidate),
      fresh,
      [],
    );
    const baseline = await compareCandidate(
      bankingIntentsTrainer.withoutLlm(await rechosen(BANKING_ARTIFACTS_DIR, join(dir, "baseline"), calib)),
      bankingIntentsTrainer.withoutLlm(candidate),
      fresh,
      [],
    );
    const oracles = await compareCandidate(
      bankingIntentsTrainer.withoutLlm(
        await rechosen(BANKING_ARTIFACTS_DIR, join(dir, "oracle-current"), fresh),
      ),
      bankingIntentsTrainer.withoutLlm(
        await rechosen(result.candidate.dir, join(dir, "oracle-candidate"), fresh),
      ),
      fresh,
      [],
    );
    return {
      scenario: s,
      result,
      fresh: measured.dev,
      recalibrated: baseline.dev.before,
      oracle: oracles.dev,
      llmCalls: server.requests.length - auditCalls,
      auditCalls,
      audited,
      batchMs,
      trainMs,
    };
  } finally {
    await server.close();
    await studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
const rows: string[] = [];
for (const s of [
  { name: "LLM gives the gold label", wrongShare: 0 },
  { name: "LLM wrong on 10% of items", wrongShare: 0.1 },
]) {
  const r = await runScenario(s);
  const { before, after, comparison } = r.fresh;
  const re = r.recalibrated;
  const o = r.oracle;
  const relative = before.llmShare === 0 ? 0 : (before.llmShare - after.llmShare) / before.llmShare;
  const met = relative >= 0.25 && (after.precision ?? 0) >= 0.97;
  console.error(`${s.name}: ${JSON.stringify({ traced: r.result.traced, reasons: r.result.reasons })}`);
  rows.push(
    `| ${s.name} | ${r.llmCalls}${AUDIT === undefined ? "" : ` + ${r.auditCalls} audit (${r.result.traced.auditDisagreements ?? 0} disagreed)`}${r.audited === undefined ? "" : `; cheap precision by the audits ${pct(r.audited.measured)} (95%: ${pct(r.audited.low)}–${pct(r.audited.high)}), real ${pct(r.audited.actual)}`} | ${r.result.traced.corrections ?? 0} + ${r.result.traced.llm ?? 0} (${r.result.traced.added} trained, ${r.result.traced.calib ?? 0} calib, ${r.result.traced.heldOut} held out, ${r.result.traced.selfTrained ?? 0} self-trained) | ${r.result.status} | ${pct(before.llmShare)} → ${pct(after.llmShare)} (${relative >= 0 ? "−" : "+"}${pct(Math.abs(relative))} relative) | ${pct(before.precision)} → ${pct(after.precision)} | ${pct(re.llmShare)} at ${pct(re.precision)} | ${pct(o.before.llmShare)} at ${pct(o.before.precision)} → ${pct(o.after.llmShare)} at ${pct(o.after.precision)} | ${comparison.regressions} / ${comparison.improvements} | ${met ? "met" : "not met"} | ${(r.batchMs / 1000).toFixed(0)} s + ${(r.trainMs / 1000).toFixed(0)} s |`,
  );
}

console.log(
  [
    `# The loop, measured (seed ${SEED}${process.env.LOOP_TRAIN_ARGS ? `, ${process.env.LOOP_TRAIN_ARGS}` : ""}${AUDIT === undefined ? "" : `, --audit ${AUDIT} --audit-pick ${AUDIT_PICK}`}): dev split → ${traffic.length} traffic, ${calib.length} calib, ${fresh.length} fresh`,
    "",
    "| LLM tier | LLM calls on traffic | usable traced labels (corrections + LLM) | gate | LLM-call share on fresh, before → after | cheap-tier precision on fresh | shipped tiers, thresholds re-chosen on calib: LLM share at precision | oracle, thresholds chosen on fresh itself: shipped → candidate tiers | regressions / improvements on fresh | target (≥25% less, ≥97%) | batch + train wall |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    machineNotes(),
  ].join("\n"),
);
