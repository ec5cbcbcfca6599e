import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  code,
  defineChain,
  type InputFrom,
  InvalidSnapshotError,
  type RunSnapshot,
  resume,
  review,
  run,
  sequence,
} from "../index.ts";
import { desk, refundChain } from "./fixtures/review-chain.ts";

const here = dirname(fileURLToPath(import.meta.url));
const coreDir = resolvePath(here, "..", "..");
const exec = promisify(execFile);

interface ChildResult {
  status?: string;
  output?: { customer: string; cents: number; outcome: string; note: string };
  runId?: string;
  steps?: Array<{ name: string; kind: string; status: string }>;
  error?: { code: string; message: string };
  fingerprint?: string;
  pid?: number;
  thrown?: { name: string; code?: string; message: string };
}

async function child(mode: "run" | "resume", a: string, b: string, which = ""): Promise<ChildResult> {
  const { stdout } = await exec(
    process.execPath,
    ["--conditions=@catena/source", join(here, "fixtures", "review-child.ts"), mode, a, b, which],
    { cwd: coreDir },
  );
  return JSON.parse(stdout.trim()) as ChildResult;
}

const resumeInChild = (snapshotPath: string, decision: unknown) =>
  child("resume", snapshotPath, JSON.stringify(decision));

/** Runs the refund chain up to its review and returns the snapshot as it would come back from disk. */
async function paused(
  input: InputFrom<typeof refundChain> = { customer: "  Ada ", amount: 12.5 },
): Promise<RunSnapshot> {
  const result = await run(refundChain, input);
  expect(result.status).toBe("waiting");
  if (result.status !== "waiting") throw new Error("not waiting");
  return JSON.parse(JSON.stringify(result.snapshot)) as RunSnapshot;
}

describe("review: pause and resume", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-review-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("run stops at the review with status waiting and a plain-JSON snapshot", async () => {
    const result = await run(refundChain, { customer: "  Ada ", amount: 12.5 });
    expect(result.status).toBe("waiting");
    if (result.status !== "waiting") return;
    expect(result.output).toBeUndefined();
    const snapshot = result.snapshot;
    expect(snapshot.format).toBe("catena.run-snapshot.v1");
    expect(snapshot.chain).toEqual({
      name: "refund-approval",
      version: "1.0.0",
      fingerprint: refundChain.fingerprint,
    });
    expect(snapshot.runId).toBe(result.runId);
    expect(snapshot.review).toEqual({ name: "approve", prompt: "Refund this customer?" });
    expect(snapshot.context.data).toEqual({ customer: "Ada", amount: 12.5, cents: 1250 });
    expect(snapshot.steps.map((s) => [s.name, s.status])).toEqual([["prepare", "done"]]);
    // Survives a trip through JSON unchanged.
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it("resumes in another process with the decision applied", async () => {
    const path = join(dir, "run.json");
    const started = await child("run", JSON.stringify({ customer: "  Ada ", amount: 12.5 }), path);
    expect(started.thrown).toBeUndefined();
    expect(started.status).toBe("waiting");

    const approved = await resumeInChild(path, { approved: true, note: "loyal customer" });
    expect(approved.thrown).toBeUndefined();
    expect(approved.pid).not.toBe(started.pid);
    expect(approved.status).toBe("done");
    expect(approved.output).toEqual({
      customer: "Ada",
      cents: 1250,
      outcome: "refunded",
      note: "loyal customer",
    });
    expect(approved.runId).toBe(started.runId);
    expect(approved.steps?.map((s) => [s.name, s.kind, s.status])).toEqual([
      ["prepare", "code", "done"],
      ["approve", "review", "done"],
      ["finish", "code", "done"],
    ]);

    // The same snapshot resumed with another decision gives the other outcome.
    const rejected = await resumeInChild(path, { approved: false });
    expect(rejected.status).toBe("done");
    expect(rejected.output).toEqual({ customer: "Ada", cents: 1250, outcome: "rejected", note: "" });
  });

  it("resumes in a plain Node process a run paused in this (vitest) process", async () => {
    // The fingerprint hashes function source, so this needs the test process to load the fixture
    // as Node does (vitest.config.ts); through a reprinting transform the child would throw
    // InvalidSnapshotError.
    const result = await run(refundChain, { customer: "  Ada ", amount: 12.5 });
    if (result.status !== "waiting") throw new Error(`expected waiting, got ${result.status}`);
    const path = join(dir, "run.json");
    await writeFile(path, JSON.stringify(JSON.parse(JSON.stringify(result.snapshot))));
    const resumed = await resumeInChild(path, { approved: true });
    expect(resumed.thrown).toBeUndefined();
    expect(resumed.fingerprint).toBe(refundChain.fingerprint);
    expect(resumed.status).toBe("done");
    expect(resumed.output).toEqual({ customer: "Ada", cents: 1250, outcome: "refunded", note: "" });
    expect(resumed.runId).toBe(result.runId);
  });

  it("resumes in a plain Node process a run paused inside a subchain in this process", async () => {
    const result = await run(desk, { customer: "Ada", amount: 2 });
    if (result.status !== "waiting") throw new Error(`expected waiting, got ${result.status}`);
    expect(result.snapshot.review.name).toBe("approve");
    const path = join(dir, "desk.json");
    await writeFile(path, JSON.stringify(result.snapshot));
    const resumed = await child("resume", path, JSON.stringify({ approved: true }), "desk");
    expect(resumed.thrown).toBeUndefined();
    expect(resumed.status).toBe("done");
    expect(resumed.output).toEqual({ reply: "Ada: refunded 200" });
    expect(resumed.runId).toBe(result.runId);
    expect(resumed.steps?.map((s) => s.name)).toEqual([
      "prepare",
      "approve",
      "finish",
      "refund-approval",
      "reply",
    ]);
  });

  it("resumes in the same process too", async () => {
    const snapshot = await paused({ customer: "Bob", amount: 3 });
    const result = await resume(refundChain, snapshot, { approved: true });
    expect(result.status).toBe("done");
    expect(result.output).toEqual({ customer: "Bob", cents: 300, outcome: "refunded", note: "" });
    const viaXstate = await resume(refundChain, snapshot, { approved: false }, { driver: "xstate" });
    expect(viaXstate.status).toBe("done");
    expect(viaXstate.output?.outcome).toBe("rejected");
  });

  it("leaves the caller's snapshot as it was: the same snapshot resumes twice with the same start", async () => {
    const snapshot = await paused({ customer: "Bob", amount: 3 });
    const before = JSON.stringify(snapshot);
    const first = await resume(refundChain, snapshot, { approved: false });
    expect(JSON.stringify(snapshot)).toBe(before);
    const second = await resume(refundChain, snapshot, { approved: true });
    expect(first.output?.outcome).toBe("rejected");
    expect(second.output).toEqual({ customer: "Bob", cents: 300, outcome: "refunded", note: "" });
  });

  it("rejects a decision that fails the review's schema with INPUT_VALIDATION", async () => {
    const snapshot = await paused();
    // @ts-expect-error the review's schema wants a boolean: checked at compile time and at run time
    const result = await resume(refundChain, snapshot, { approved: "yes" });
    expect(result.status).toBe("error");
    if (result.status !== "error") return;
    expect(result.error.code).toBe("INPUT_VALIDATION");
    expect(result.error.message).toContain("approve");
    expect(result.error.message).toContain("approved");
    // The snapshot is still good for a valid decision afterwards.
    expect((await resume(refundChain, snapshot, { approved: true })).status).toBe("done");
  });

  it("rejects an invalid decision in another process too", async () => {
    const path = join(dir, "run.json");
    expect((await child("run", JSON.stringify({ customer: "Cy", amount: 1 }), path)).status).toBe("waiting");
    const result = await resumeInChild(path, { note: "forgot the flag" });
    expect(result.status).toBe("error");
    expect(result.error?.code).toBe("INPUT_VALIDATION");
  });

  it("throws InvalidSnapshotError for a snapshot taken with a different definition", async () => {
    const snapshot = await paused();
    const changed = defineChain({
      name: "refund-approval",
      version: "1.0.0",
      input: z.object({ customer: z.string().min(1), amount: z.number().positive() }),
      output: refundChain.output,
      flow: sequence(
        code("prepare", ({ customer, amount }: { customer: string; amount: number }) => ({
          customer,
          amount,
          cents: Math.floor(amount * 100),
        })),
        review("approve", {
          decision: z.object({ approved: z.boolean(), note: z.string().optional() }),
          prompt: "Refund this customer?",
        }),
        code("finish", (d: { customer: string; cents: number; review: { approved: boolean } }) => ({
          customer: d.customer,
          cents: d.cents,
          outcome: d.review.approved ? "refunded" : "rejected",
          note: "",
        })),
      ),
    });
    expect(changed.fingerprint).not.toBe(refundChain.fingerprint);
    await expect(resume(changed, snapshot, { approved: true })).rejects.toBeInstanceOf(InvalidSnapshotError);
    await expect(resume(changed, snapshot, { approved: true })).rejects.toMatchObject({
      code: "INVALID_SNAPSHOT",
    });
  });

  it("throws InvalidSnapshotError for a snapshot whose fingerprint was altered", async () => {
    const snapshot = await paused();
    const tampered = { ...snapshot, chain: { ...snapshot.chain, fingerprint: "0".repeat(64) } };
    await expect(resume(refundChain, tampered, { approved: true })).rejects.toBeInstanceOf(
      InvalidSnapshotError,
    );
  });

  it("throws InvalidSnapshotError for something that is not a snapshot", async () => {
    await expect(
      resume(refundChain, { hello: "world" } as unknown as RunSnapshot, { approved: true }),
    ).rejects.toBeInstanceOf(InvalidSnapshotError);
  });

  it("pauses again at a second review and finishes after both decisions", async () => {
    const twoStep = defineChain({
      name: "two-reviews",
      version: "1.0.0",
      input: z.number(),
      output: z.object({ value: z.number(), first: z.boolean(), second: z.boolean() }),
      flow: sequence(
        code("wrap", (n: number) => ({ value: n })),
        review("first", {
          decision: z.boolean(),
          apply: (d: { value: number }, ok: boolean) => ({ ...d, first: ok }),
        }),
        review("second", {
          decision: z.boolean(),
          apply: (d: { value: number; first: boolean }, ok: boolean) => ({ ...d, second: ok }),
        }),
      ),
    });
    const start = await run(twoStep, 7);
    if (start.status !== "waiting") throw new Error(`expected waiting, got ${start.status}`);
    expect(start.snapshot.review.name).toBe("first");
    const mid = await resume(twoStep, JSON.parse(JSON.stringify(start.snapshot)), true);
    if (mid.status !== "waiting") throw new Error(`expected waiting, got ${mid.status}`);
    expect(mid.snapshot.review.name).toBe("second");
    expect(mid.snapshot.runId).toBe(start.runId);
    const end = await resume(twoStep, JSON.parse(JSON.stringify(mid.snapshot)), false);
    expect(end.status).toBe("done");
    expect(end.output).toEqual({ value: 7, first: true, second: false });
    expect(end.steps.map((s) => s.name)).toEqual(["wrap", "first", "second"]);
  });
});
