/*
 * End-to-end tests of the small things a user trips on, through the BUILT `catena` binary: input
 * from a file or stdin, usage errors as JSON, unwritable --out paths, a missing lock file, and
 * pruning the local studio database.
 */
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/ensure-built.ts";
import { catena, catenaBin } from "./support/run-catena.ts";

let dir: string;
let env: Record<string, string>;
const cli = (...args: string[]) => catena(args, { cwd: dir, env });

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-everyday-"));
  env = { CATENA_STUDIO_DB: join(dir, "studio.db") };
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs catena with `input` on its standard input. */
function withStdin(
  args: readonly string[],
  input: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [catenaBin, ...args],
      { cwd: dir, env: { ...process.env, ...env, LANGSMITH_API_KEY: "", CATENA_STUDIO_URL: "" } },
      (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

describe("catena run --file", () => {
  it("reads the text from a file, with no length limit of the command line", async () => {
    await writeFile(join(dir, "ticket.txt"), "My app crashes every time I open the cart.\n");
    const r = await cli("--no-trace", "run", "support-triage", "--file", "ticket.txt");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ queue: "technical" });
    // Far past what an argument may hold (a 1 MB --text fails with E2BIG): the chain's own schema answers.
    await writeFile(join(dir, "huge.txt"), "x".repeat(1_200_000));
    const huge = await cli("--no-trace", "run", "support-triage", "--file", "huge.txt");
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/^catena: .*text/);
  });

  it("reads a .json file as the input", async () => {
    await writeFile(join(dir, "input.json"), JSON.stringify({ text: "I was charged twice" }));
    const r = await cli("--no-trace", "run", "support-triage", "--file", "input.json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ queue: "billing" });
  });

  it("reads standard input with --file -", async () => {
    const r = await withStdin(
      ["--no-trace", "run", "support-triage", "--file", "-"],
      "Where is order ORD-102938?\n",
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ queue: "shipping", entities: { orderIds: ["ORD-102938"] } });
  });

  it("names the file it cannot read, and refuses two inputs", async () => {
    const missing = await cli("run", "support-triage", "--file", "nope.txt");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("catena: cannot read --file nope.txt: no such file.\n");
    const both = await cli("run", "support-triage", "--file", "nope.txt", "--text", "hi");
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/not --text and --file/);
  });
});

describe("usage errors with --json", () => {
  it("prints them as JSON on stdout as well as one line on stderr", async () => {
    for (const args of [
      ["run", "support-triage", "--json", "--no-such-option"],
      ["--json", "no-such-command"],
      ["run", "--json"],
    ]) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^catena: /);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: "error", error: { code: "CLI_USAGE" } });
    }
  });
});

describe("--out paths that cannot be written", () => {
  it("says which path is wrong and what to do, before running anything", async () => {
    await writeFile(join(dir, "in.jsonl"), '{"text":"hi"}\n');
    await writeFile(join(dir, "a-file"), "");
    const under = await cli(
      "--no-trace",
      "batch",
      "support-triage",
      "--file",
      "in.jsonl",
      "--out",
      "a-file/results.jsonl",
    );
    expect(under.code).toBe(2);
    expect(under.stderr).toBe(
      `catena: --out a-file/results.jsonl: ${join(dir, "a-file")} is a file, not a directory; choose a path that is not under a file.\n`,
    );
    await mkdir(join(dir, "a-dir"));
    const isDir = await cli("--no-trace", "batch", "support-triage", "--file", "in.jsonl", "--out", "a-dir");
    expect(isDir.code).toBe(2);
    expect(isDir.stderr).toMatch(/^catena: --out a-dir is a directory; give a file path/);
  });

  it.skipIf(process.getuid?.() === 0)("names a directory it may not write to (EACCES)", async () => {
    const locked = join(dir, "locked");
    await mkdir(locked, { mode: 0o500 });
    const r = await cli(
      "--no-trace",
      "batch",
      "support-triage",
      "--file",
      "in.jsonl",
      "--out",
      "locked/r.jsonl",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no permission to write in ${locked}`);
  });
});

describe("catena lock --check without a lock file", () => {
  it("says so, passes without --strict and fails with it", async () => {
    const loose = await cli("lock", "--check");
    expect(loose.code).toBe(0);
    expect(loose.stdout).toMatch(
      /^no lock file: .*catena\.lock\.json does not exist, so nothing was checked/,
    );
    expect(loose.stdout).not.toMatch(/: ok/);
    const strict = await cli("lock", "--check", "--strict");
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^catena: no lock file: .*catena\.lock\.json does not exist \(--strict\)/);
    const json = JSON.parse((await cli("lock", "--check", "--strict", "--json")).stdout) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({ exists: false, status: "error" });
  });
});

describe("catena lock --lockfile", () => {
  it("writes into a folder that does not exist yet, and refuses a path under a file before any work", async () => {
    const made = await cli("lock", "--lockfile", "ci/locks/catena.lock.json");
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/wrote ci\/locks\/catena\.lock\.json: 3 entries/);
    expect(existsSync(join(dir, "ci/locks/catena.lock.json"))).toBe(true);
    await writeFile(join(dir, "plain-file"), "x");
    const under = await cli("lock", "--lockfile", "plain-file/catena.lock.json");
    expect(under.code).toBe(2);
    expect(under.stderr).toMatch(
      /^catena: --lockfile plain-file\/catena\.lock\.json: .*plain-file is a file, not a directory/,
    );
    expect(under.stderr).not.toMatch(/ENOENT|ENOTDIR/);
  });
});

describe("a --queue that is not a Redis URL", () => {
  it("is a usage error (exit 2) for the worker, batch and queue commands", async () => {
    for (const args of [
      ["worker", "--queue", "localhost:6379"],
      ["queue", "status", "b1", "--queue", "http://127.0.0.1:6379"],
      ["batch", "support-triage", "--file", "in.jsonl", "--out", "queued.jsonl", "--queue", "nope"],
    ]) {
      await writeFile(join(dir, "in.jsonl"), '{"text": "hi"}\n');
      const r = await cli("--no-trace", ...args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(
        /^catena: The queue address ".*" is not a (Redis )?URL; give redis:\/\/host:6379/,
      );
    }
  });
});

describe("catena studio prune", () => {
  it("deletes the traces older than the cut-off and shrinks the database", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await cli("run", "support-triage", "--text", `Where is order ORD-10293${i}?`)).code).toBe(0);
    }
    const keep = await cli("studio", "prune", "--older-than", "1h");
    expect(keep.code).toBe(0);
    expect(keep.stdout).toMatch(/deleted 0 traces started before/);
    const dry = await cli("studio", "prune", "--older-than", "2099-01-01", "--dry-run", "--json");
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, traces: 3, runs: 3 * 8 });
    const size = statSync(join(dir, "studio.db")).size;
    const pruned = await cli("studio", "prune", "--older-than", "2099-01-01");
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(
      /deleted 3 traces started before 2099-01-01T00:00:00\.000Z \(24 runs, 0 feedback, 0 attachments\); /,
    );
    expect(statSync(join(dir, "studio.db")).size).toBeLessThanOrEqual(size);
    const listed = JSON.parse((await cli("traces", "--json")).stdout) as unknown[];
    expect(listed).toEqual([]);
    const bad = await cli("studio", "prune", "--older-than", "a while");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^catena: --older-than must be a span such as 30m, 1h, 7d/);
    const none = await cli("studio", "prune", "--older-than", "30d", "--db", "missing.db");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no studio database at .*missing\.db: nothing to prune/);
    expect(existsSync(join(dir, "missing.db"))).toBe(false);
  }, 60_000);
});

describe("a directory where an input file is expected", () => {
  it("names the option and the directory, exits 2, and does not print a bare EISDIR", async () => {
    await mkdir(join(dir, "a-folder"), { recursive: true });
    const cases: Array<{ args: string[]; option: string }> = [
      { args: ["--no-trace", "eval", "support-triage", "--data", "a-folder"], option: "--data" },
      { args: ["lock", "--check", "--lockfile", "a-folder"], option: "--lockfile" },
      { args: ["skew", "banking-intents", "--baseline", "a-folder"], option: "--baseline" },
      { args: ["judge", "align", "sql_answer_correct", "--labels", "a-folder"], option: "--labels" },
    ];
    for (const { args, option } of cases) {
      const r = await cli(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toBe(`catena: ${option} a-folder is a directory; give a file.\n`);
    }
  }, 120_000);
});
