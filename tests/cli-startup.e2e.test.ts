/*
 * What the built `catena` binary loads to start a command: only that command's code, and for
 * `run` only the chain it names. Each module costs start-up time; `catena run support-triage
 * --no-trace` must not load LangChain, LangSmith, the studio, the other commands or other chains.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

let dir: string;
let hook: string;

// Preloaded into the CLI process: records every module URL it loads, written out at exit.
const HOOK = `
import { registerHooks } from "node:module";
import { writeFileSync } from "node:fs";
const urls = [];
registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
process.on("exit", () => writeFileSync(process.env.CATENA_TEST_MODULES, JSON.stringify(urls)));
`;

/** Runs catena with the hook and returns its result and the modules it loaded. */
async function modulesOf(...args: string[]) {
  const out = join(dir, `modules-${Math.random().toString(36).slice(2)}.json`);
  const result = await catena(args, {
    cwd: dir,
    env: { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}`, CATENA_TEST_MODULES: out },
  });
  const urls = JSON.parse(await readFile(out, "utf8")) as string[];
  return { result, urls };
}

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-startup-"));
  hook = join(dir, "record-modules.mjs");
  await writeFile(hook, HOOK);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("catena start-up", () => {
  it("run support-triage --no-trace loads its own command and chain, and no LangChain, LangSmith or studio", async () => {
    const { result, urls } = await modulesOf(
      "run",
      "support-triage",
      "--text",
      "where is my order 12345",
      "--no-trace",
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ queue: "shipping" });
    const ours = urls.filter((u) => u.includes("/packages/"));
    expect(ours.some((u) => u.includes("/cli/dist/commands/run.js"))).toBe(true);
    const otherCommands =
      /\/commands\/(list|describe|batch|lock|studio|traces?|feedback|train|calibrate|eval)\.js$/;
    expect(ours.filter((u) => otherCommands.test(u))).toEqual([]);
    expect(ours.filter((u) => /\/chains\/dist\/(banking-intents|sql-qa)\//.test(u))).toEqual([]);
    expect(
      ours.filter((u) =>
        /\/studio\/|\/core\/dist\/(tracing|langchain|ml|calibrate\/(?!threshold-text)|feedback)/.test(u),
      ),
    ).toEqual([]);
    expect(
      urls.filter((u) => /langsmith|@langchain|node_modules\/\.pnpm\/langchain@|cli-progress/.test(u)),
    ).toEqual([]);
  });

  it("still lists every command in the help, and every chain when the one named does not exist", async () => {
    const help = await catena(["--help"], { cwd: dir });
    expect(help.code).toBe(0);
    for (const name of [
      "list",
      "describe",
      "run",
      "batch",
      "lock",
      "studio",
      "traces",
      "trace",
      "feedback",
      "train",
      "calibrate",
      "eval",
      "dataset",
    ])
      expect(help.stdout).toMatch(new RegExp(`\\n  ${name}\\b`));
    const missing = await catena(["run", "no-such-chain", "--text", "x", "--no-trace"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/support-triage@.*sql-qa@|sql-qa@.*support-triage@/s);
    expect(missing.stderr).toMatch(/banking-intents@/);
  });
});
