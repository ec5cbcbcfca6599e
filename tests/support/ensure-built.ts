/*
 * Builds the workspace packages before end-to-end tests that spawn the built `catena` binary: when
 * a package's dist is missing (a clean clone) or older than its sources (an edit since the last build).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The repository root. */
export const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

/** The packages the CLI runs on, each with the dist file its build produces. */
const PACKAGES = [
  { dir: "packages/core", built: "dist/bundle/index.js" },
  { dir: "packages/chains", built: "dist/index.js" },
  { dir: "packages/studio", built: "dist/index.js" },
  { dir: "packages/cli", built: "dist/bundle/main.js" },
  { dir: "packages/testing", built: "dist/server-command.js" },
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Why the packages need a build, or undefined when every dist is there and newer than its sources. */
export function buildReason(): string | undefined {
  for (const pkg of PACKAGES) {
    const built = join(repoRoot, pkg.dir, pkg.built);
    if (!existsSync(built)) return `${pkg.dir}/${pkg.built} is missing`;
    if (newestMtime(join(repoRoot, pkg.dir, "src")) > statSync(built).mtimeMs)
      return `${pkg.dir}/src changed since the last build`;
  }
  return undefined;
}

/** Builds every package (`pnpm -r --filter "./packages/**" run build`) when {@link buildReason} says so. */
export async function ensureBuilt(): Promise<void> {
  const reason = buildReason();
  if (reason === undefined) return;
  process.stderr.write(`tests: building the packages (${reason}) ...\n`);
  try {
    const [command, ...prefix] = pnpmCommand();
    await promisify(execFile)(command, [...prefix, "-r", "--filter", "./packages/**", "run", "build"], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`building the packages failed:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}

/** How to call pnpm: the one running `pnpm test` (npm_execpath) if any, else `pnpm` from PATH. */
function pnpmCommand(): [string, ...string[]] {
  const execPath = process.env.npm_execpath;
  if (!execPath || !/pnpm/i.test(execPath)) return ["pnpm"];
  return /\.[cm]?js$/.test(execPath) ? [process.execPath, execPath] : [execPath];
}
