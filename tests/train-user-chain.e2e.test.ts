/*
 * The learning loop on a chain of one's own, through the built binary: a user's chains module
 * (tests/fixtures/cli/trainable-chains.ts) exports a `tickets` cascade and its trainer made with
 * defineTextCascadeTrainer. `catena train tickets --chains <module>` trains its classifier and kNN
 * tiers into a candidate version, `catena calibrate` chooses its thresholds, and, with its traffic
 * traced into a real studio and labelled by the real ChatOpenAI against the OpenAI-compatible test
 * server, `catena train tickets --from-traces` learns from the LLM's labels. Bad input: a malformed
 * trainer, and data whose labels are not the trainer's.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";
import { ticketGold, ticketsDev, ticketsTraffic, ticketsTrain } from "./support/ticket-texts.ts";
import { csvOf, TracedBanking } from "./support/traced-banking.ts";

const module = join(repoRoot, "tests/fixtures/cli/trainable-chains.ts");
const malformed = join(repoRoot, "tests/fixtures/cli/malformed-trainer-chains.ts");
const invalid = join(repoRoot, "tests/fixtures/cli/invalid-trainer-chains.ts");
const traced = new TracedBanking();
const dir = traced.dir;
const data = join(dir, "tickets");
const env = (project = "tickets") => ({ ...traced.env(project), TICKETS_DIR: data });
const run = (args: readonly string[], timeoutMs = 120_000) =>
  catena(["--chains", module, ...args], { cwd: dir, env: env(), timeoutMs });

beforeAll(async () => {
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, "train.csv"), csvOf(ticketsTrain));
  writeFileSync(join(data, "dev.csv"), csvOf(ticketsDev));
  await traced.start((_request, info) => {
    const text = info.userText.replace(/^Ticket: /, "").trim();
    const label = ticketGold.get(text) ?? "bug";
    return { json: { label }, tokenLogprobs: { [label]: Math.log(0.9) } };
  });
}, 60_000);

afterAll(() => traced.close());

describe("a chain of one's own through the learning loop", () => {
  it("train writes a candidate version whose chain.mjs imports the user's module", async () => {
    const r = await run([
      "--json",
      "train",
      "tickets",
      "--data",
      join(data, "train.csv"),
      "--dev",
      join(data, "dev.csv"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("trained");
    expect(out.candidate.id).toBe("tickets@1.0.1");
    const folder = join(dir, ".catena", "candidates", "tickets@1.0.1");
    expect(out.candidate.dir).toBe(folder);
    for (const file of [
      "manifest.json",
      "thresholds.json",
      "classifier.catena",
      "index.catena",
      "chain.mjs",
      "candidate.json",
    ])
      expect(existsSync(join(folder, file)), file).toBe(true);
    expect(JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8")).format).toBe(
      "catena.text-cascade.v1:tickets",
    );
    // It imports the user's module by a path relative to its own folder (the project can move).
    const imported = /import \* as source from "([^"]+)";/.exec(
      readFileSync(join(folder, "chain.mjs"), "utf8"),
    );
    expect(imported?.[1]).toMatch(/^\.\.\//);
    expect(new URL(imported?.[1] ?? "", pathToFileURL(join(folder, "chain.mjs"))).href).toBe(
      pathToFileURL(module).href,
    );
    // The candidate loads beside the current version, and answers over its own artifacts.
    const list = await run(["--chains", join(folder, "chain.mjs"), "--json", "list"]);
    expect(list.code, list.stderr).toBe(0);
    const versions = JSON.parse(list.stdout)
      .filter((c: { name: string }) => c.name === "tickets")
      .map((c: { version: string }) => c.version);
    expect(versions).toEqual(["1.0.0", "1.0.1"]);
    const answer = await run([
      "--no-trace",
      "--chains",
      join(folder, "chain.mjs"),
      "run",
      "tickets@1.0.1",
      "--text",
      "Please send a password reset link for my account",
    ]);
    expect(answer.code, answer.stderr).toBe(0);
    expect(JSON.parse(answer.stdout)).toMatchObject({ label: "login", tier: "keywords" });
  }, 180_000);

  it("calibrate writes a candidate with thresholds over the trainer's artifacts", async () => {
    // The trainer's own folder gets weights, and no thresholds: until calibrated, all goes to the LLM.
    const trained = await run([
      "train",
      "tickets",
      "--data",
      join(data, "train.csv"),
      "--out",
      join(data, "artifacts"),
      "--no-calibrate",
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const r = await run(["--json", "calibrate", "tickets", "--data", join(data, "dev.csv")]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("calibrated");
    expect(out.candidate.id).toBe("tickets@1.0.2");
    expect(out.result.tiers.map((t: { tier: string }) => t.tier)).toEqual([
      "keywords",
      "classifier",
      "neighbours",
    ]);
    expect(out.fingerprint.after).not.toBe(out.fingerprint.before);
    const thresholds = JSON.parse(readFileSync(join(out.candidate.dir, "thresholds.json"), "utf8"));
    expect(Object.keys(thresholds.thresholds).sort()).toEqual(["classifier", "keywords", "neighbours"]);
    expect(existsSync(join(out.candidate.dir, "classifier.catena"))).toBe(true);
  }, 180_000);

  it("train --from-traces learns from the LLM's labels of the traced traffic", async () => {
    await traced.serveTraffic("tickets", ticketsTraffic, { chain: "tickets", global: ["--chains", module] });
    expect((await traced.runs("tickets")).length).toBe(ticketsTraffic.length);
    const r = await run(
      [
        "--json",
        "train",
        "tickets",
        "--from-traces",
        "--since",
        "1h",
        "--dev",
        join(data, "dev.csv"),
        "--min-items",
        "10",
        "--gate",
        "llm_share_delta<=0",
      ],
      300_000,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("candidate");
    expect(out.current.id).toBe("tickets@1.0.0");
    expect(out.candidate.id).toBe("tickets@1.0.3");
    expect(out.traced.llm).toBe(ticketsTraffic.length);
    expect(out.traced.added).toBeGreaterThanOrEqual(10);
    // Measured without the LLM tier: the current version, uncalibrated, leaves every dev item to it.
    expect(out.dev.before.llmShare).toBe(1);
    expect(out.dev.after.llmShare).toBeLessThan(1);
    for (const file of ["chain.mjs", "thresholds.json", "report.md", "report.json"])
      expect(existsSync(join(out.candidate.dir, file)), file).toBe(true);
  }, 400_000);
});

describe("bad input", () => {
  it("a module's malformed trainer is refused with what it lacks", async () => {
    const r = await catena(["--chains", malformed, "train", "tickets", "--data", join(data, "train.csv")], {
      cwd: dir,
      env: env(),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `catena: the trainer "tickets" that ${malformed} exports is not a trainable chain: it lacks readData (a function), split (a function), train (a function), withoutLlm (a function), chainModule (a function), thresholdsPath (a function), llmCostPerItemUsd (a function); make it with defineTextCascadeTrainer (@catena/core/ml), or implement TrainableChain whole.\n`,
    );
  });

  it("data whose labels are not the trainer's is refused with the lines", async () => {
    writeFileSync(
      join(dir, "other-labels.csv"),
      "text,label\nI want my money back,refund\nThe app crashes on start,bug\n",
    );
    const candidates = join(dir, ".catena", "candidates");
    const before = existsSync(candidates) ? readdirSync(candidates).sort() : [];
    const r = await run(["train", "tickets", "--data", "other-labels.csv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refund/);
    expect(r.stderr).toMatch(/line 2/);
    expect(existsSync(candidates) ? readdirSync(candidates).sort() : []).toEqual(before);
  });

  it("a trainer defined with a wrong option is reported as TRAINER_INVALID under --json", async () => {
    const r = await catena(["--json", "--chains", invalid, "list"], { cwd: dir, env: env() });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: "error",
      error: { code: "TRAINER_INVALID", message: expect.stringMatching(/artifactsDir must be/) },
    });
  });
});
