/*
 * What the built `catena` binary loads to start a command: only that command's code, and for
 * `run` only the chain it names. Each module costs start-up time; `catena run support-triage
 * --no-trace` must not load LangChain, LangSmith, the studio, the other commands or other chains.
 * @catena/core and the CLI load from their bundles (dist/bundle/, chunks named by hash): a chunk
 * loaded counts as the dist modules in it, as the bundle's meta.json lists them. zod and xstate
 * load from the CLI's bundles of them (dist/deps/, scripts/bundle-dependencies.ts).
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
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

/** A loaded bundle file as the dist modules it holds; any other URL as itself. */
function unbundled(url: string): string[] {
  const m = /^(.*\/packages\/(core|cli)\/dist\/)bundle\/([^/]+)$/.exec(url);
  if (m === null) return [url];
  const [, dist, pkg, file] = m as unknown as [string, string, string, string];
  const meta = JSON.parse(
    readFileSync(join(repoRoot, "packages", pkg, "dist/bundle/meta.json"), "utf8"),
  ) as Record<string, string[]>;
  // An inlined package (the CLI's commander) is listed by its path from dist/, into node_modules.
  return (meta[file] ?? []).map((module) => new URL(module, dist).href);
}

/** Runs catena with the hook and returns its result and the modules it loaded. */
async function modulesOf(...args: string[]) {
  const out = join(dir, `modules-${Math.random().toString(36).slice(2)}.json`);
  const result = await catena(args, {
    cwd: dir,
    env: { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}`, CATENA_TEST_MODULES: out },
  });
  const loaded = JSON.parse(await readFile(out, "utf8")) as string[];
  return { result, urls: loaded.flatMap(unbundled), files: loaded.length };
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
    const { result, urls, files } = await modulesOf(
      "run",
      "support-triage",
      "--text",
      "where is my order 12345",
      "--no-trace",
    );
    expect(result.code).toBe(0);
    // Bundled, core's ~75 modules and the CLI's ~30 are ~30 files.
    expect(files).toBeLessThan(urls.length - 50);
    // zod (~95 installed files) and xstate (8) load from the CLI's bundles of them (dist/deps/).
    expect(urls.filter((u) => /\/node_modules\/\.pnpm\/(zod|xstate)@/.test(u))).toEqual([]);
    for (const dep of ["zod", "xstate"])
      expect(urls.some((u) => u.includes(`/packages/cli/dist/deps/${dep}/`))).toBe(true);
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
