/*
 * Ctrl-C during `catena train banking-intents --from-traces`, through the built binary against a
 * real studio over HTTP: the candidate is staged beside its folder, so the command removes what it
 * staged and nothing else (a folder that existed keeps its files as they were, and what other
 * commands keep in .catena stays), and exits 130. And a promotion refused after the training keeps
 * the candidate with its report.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants, open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catenaBin } from "./support/run-catena.ts";
import { TracedBanking, traffic } from "./support/traced-banking.ts";

const traced = new TracedBanking();
const dir = traced.dir;

beforeAll(async () => {
  await traced.start();
  // A few hundred runs are enough labels to reach the training (with --min-items 1).
  await traced.serveTraffic("loop", traffic.slice(0, 300));
}, 300_000);

afterAll(() => traced.close());

/** `catena train banking-intents --from-traces` as a child process, with what it printed on stderr. */
function startTraining(extra: readonly string[]): {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
} {
  const child = spawn(
    process.execPath,
    [
      catenaBin,
      "train",
      "banking-intents",
      "--from-traces",
      "--since",
      "1h",
      "--dev",
      "dev.csv",
      "--min-items",
      "1",
      ...extra,
    ],
    {
      cwd: dir,
      env: { ...process.env, ...traced.env("loop"), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

/** The folders staged beside `target` (`.<name>.staged-…` in its parent). */
function stagedBeside(target: string): string[] {
  const parent = dirname(target);
  const prefix = `.${basename(target)}.staged-`;
  return existsSync(parent) ? readdirSync(parent).filter((n) => n.startsWith(prefix)) : [];
}

/** Waits (up to 4 minutes) until `ready`, or until the command ended; whether it is ready. */
async function until(ready: () => boolean, child: ChildProcess): Promise<boolean> {
  const end = Date.now() + 240_000;
  while (!ready() && child.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return ready();
}

describe("catena train --from-traces, interrupted", () => {
  it("on Ctrl-C removes what it staged for a new --out folder, which never appears, and exits 130", async () => {
    const out = join(dir, "interrupted-new");
    const { child, exited, stderr } = startTraining(["--out", out]);
    expect(await until(() => stagedBeside(out).length > 0, child), stderr()).toBe(true);
    // Still at work: the folder holds no candidate yet.
    expect(child.exitCode).toBeNull();
    child.kill("SIGINT");
    expect(await exited, stderr()).toBe(130);
    expect(existsSync(out)).toBe(false);
    expect(stagedBeside(out)).toEqual([]);
    expect(stderr()).toMatch(
      /catena: interrupted; nothing was written to interrupted-new \(the candidate staged beside it is removed\)\n$/,
    );
  }, 300_000);

  it("on Ctrl-C leaves an --out folder that existed as it was, after the training wrote its models", async () => {
    const out = join(dir, "interrupted-existing");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine\n");
    writeFileSync(join(out, "manifest.json"), '{"old": true}\n');
    const { child, exited, stderr } = startTraining(["--out", out]);
    // Interrupted once the training has written the candidate's models (into the staged folder).
    const staged = () => stagedBeside(out).some((n) => existsSync(join(dir, n, "manifest.json")));
    expect(await until(staged, child), stderr()).toBe(true);
    expect(child.exitCode).toBeNull();
    child.kill("SIGINT");
    expect(await exited, stderr()).toBe(130);
    expect(readdirSync(out).sort()).toEqual(["manifest.json", "notes.txt"]);
    expect(readFileSync(join(out, "manifest.json"), "utf8")).toBe('{"old": true}\n');
    expect(stagedBeside(out)).toEqual([]);
    expect(stderr()).toMatch(/catena: interrupted; nothing was written to interrupted-existing /);
  }, 300_000);

  it("on SIGTERM removes the candidate it staged under .catena, and never .catena itself (exit 143)", async () => {
    const catenaDir = join(dir, ".catena");
    rmSync(catenaDir, { recursive: true, force: true });
    const candidates = join(catenaDir, "candidates");
    const { child, exited, stderr } = startTraining([]);
    const made = () => (existsSync(candidates) ? readdirSync(candidates) : []);
    expect(await until(() => made().length > 0, child), stderr()).toBe(true);
    expect(child.exitCode).toBeNull();
    const [staged] = made();
    expect(staged).toMatch(/^\.banking-intents@1\.0\.\d+\.staged-/);
    const candidate = staged?.slice(1).split(".staged-")[0];
    // Meanwhile another command keeps its LLM cache in .catena.
    mkdirSync(join(catenaDir, "llm-cache"));
    writeFileSync(join(catenaDir, "llm-cache", "answer.json"), "{}\n");
    child.kill("SIGTERM");
    expect(await exited, stderr()).toBe(143);
    expect(made()).toEqual([]);
    expect(readFileSync(join(catenaDir, "llm-cache", "answer.json"), "utf8")).toBe("{}\n");
    expect(stderr()).toMatch(
      new RegExp(
        `catena: interrupted; nothing was written to \\.catena/candidates/${candidate?.replaceAll(".", "\\.")} \\(the candidate staged beside it is removed\\)\\n$`,
      ),
    );
  }, 300_000);

  it("a Ctrl-C (twice) that lands as the promotion is being prepared stops it whole: no promotion, no candidate left, exit 130", async () => {
    // The lock file becomes a named pipe once the training is under way: the promotion's read of
    // it then waits until this test writes, holding the command at a known point.
    const lockPath = join(dir, "catena.lock.json");
    const configPath = join(dir, "catena.config.json");
    const configBefore = existsSync(configPath) ? readFileSync(configPath, "utf8") : undefined;
    rmSync(lockPath, { force: true });
    const candidates = join(dir, ".catena", "candidates");
    rmSync(candidates, { recursive: true, force: true });
    try {
      const { child, exited, stderr } = startTraining(["--promote", "--gate", "precision>=0", "--json"]);
      const made = () => (existsSync(candidates) ? readdirSync(candidates) : []);
      expect(await until(() => made().length > 0, child), stderr()).toBe(true);
      execFileSync("mkfifo", [lockPath]);
      // Opened once the command opens it to read: the candidate is trained, written and passed the gate.
      const held = await Promise.race([
        open(lockPath, "w"),
        exited.then((code) => {
          // Unblocks the open above, which waits for a reader. Run however the command ended (the
          // race does not cancel it), so the pipe may already be removed: nothing to unblock then.
          void open(lockPath, constants.O_RDONLY | constants.O_NONBLOCK).then(
            (f) => f.close(),
            () => undefined,
          );
          throw new Error(`the command ended (${code}) before promoting: ${stderr()}`);
        }),
      ]);
      const candidate = made()[0]?.slice(1).split(".staged-")[0];
      child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 50));
      child.kill("SIGINT");
      // The command has handled the signal and is ending; its read of the pipe (on a thread of
      // its own, which the exit waits for) then ends with the pipe closed.
      expect(await until(() => stderr().includes("catena: interrupted"), child), stderr()).toBe(true);
      await held.close();
      expect(await exited, stderr()).toBe(130);
      expect(made()).toEqual([]);
      expect(existsSync(configPath) ? readFileSync(configPath, "utf8") : undefined).toBe(configBefore);
      expect(stderr()).toMatch(
        new RegExp(
          `catena: interrupted; nothing was written to \\.catena/candidates/${candidate?.replaceAll(".", "\\.")} \\(the candidate staged beside it is removed\\)\\n$`,
        ),
      );
    } finally {
      rmSync(lockPath, { force: true });
    }
  }, 300_000);

  it("a promotion refused after the training keeps the candidate, with the report to decide on", async () => {
    const configPath = join(dir, "catena.config.json");
    const configBefore = existsSync(configPath) ? readFileSync(configPath, "utf8") : undefined;
    try {
      const out = join(dir, "refused-promotion");
      const { child, exited, stderr } = startTraining(["--promote", "--gate", "precision>=0", "--out", out]);
      // Once the training is under way, the config becomes no JSON object: the promotion cannot
      // list the candidate in it.
      expect(await until(() => stagedBeside(out).length > 0, child), stderr()).toBe(true);
      writeFileSync(configPath, "[]\n");
      expect(await exited, stderr()).toBe(2);
      expect(stderr()).toContain(
        "catena: the candidate is kept, not promoted: refused-promotion (its report.md says how it compares)\n",
      );
      expect(stderr()).toMatch(/catena: cannot promote: .*catena\.config\.json is not a JSON object/);
      expect(readFileSync(configPath, "utf8")).toBe("[]\n");
      for (const file of ["chain.mjs", "candidate.json", "thresholds.json", "report.json"])
        expect(existsSync(join(out, file)), file).toBe(true);
      expect(readFileSync(join(out, "report.md"), "utf8")).toContain(
        "every gate condition holds; the promotion (--promote) is written after this report: should this line still be here, writing it failed",
      );
      expect(JSON.parse(readFileSync(join(out, "report.json"), "utf8")).status).toBe("candidate");
    } finally {
      if (configBefore === undefined) rmSync(configPath, { force: true });
      else writeFileSync(configPath, configBefore);
    }
  }, 300_000);
});
