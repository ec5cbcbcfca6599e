/*
 * Builds the workspace packages before end-to-end tests that spawn the built `catena` binary: when
 * a package's dist is missing (a clean clone) or older than its sources (an edit since the last build).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { buildSources } from "../../scripts/build-sources.ts";

/** The repository root. */
export const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

/** A package the CLI runs on: the dist file its build produces, and folders besides src/ it builds from. */
export interface BuiltPackage {
  dir: string;
  built: string;
  /** Folders whose every file goes into the build (the studio's web page). */
  alsoFrom?: string[];
}

/** The packages the CLI runs on. */
const PACKAGES: BuiltPackage[] = [
  { dir: "packages/core", built: "dist/bundle/index.js" },
  { dir: "packages/chains", built: "dist/index.js" },
  { dir: "packages/studio", built: "dist/index.js", alsoFrom: ["web"] },
  { dir: "packages/cli", built: "dist/bundle/main.js" },
  { dir: "packages/testing", built: "dist/server-command.js" },
];

/** Every file under `dir`, for folders built whole. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? allFiles(path) : [path];
  });
}

/**
 * The newest modification time of the files a package is built from: its src/ files that go into
 * the build (scripts/build-sources.ts: tests, type tests and fixtures do not) and its other folders.
 */
export function newestSourceMtime(pkgDir: string, alsoFrom: string[] = []): number {
  const files = [
    ...buildSources(join(pkgDir, "src")),
    ...alsoFrom.flatMap((d) => (existsSync(join(pkgDir, d)) ? allFiles(join(pkgDir, d)) : [])),
  ];
  return files.reduce((newest, file) => Math.max(newest, statSync(file).mtimeMs), 0);
}

/**
 * Why the packages need a build, or undefined when every dist is there and newer than the files it
 * is built from. `root` and `packages` are for tests of the check itself.
 */
export function buildReason(root = repoRoot, packages: BuiltPackage[] = PACKAGES): string | undefined {
  for (const pkg of packages) {
    const built = join(root, pkg.dir, pkg.built);
    if (!existsSync(built)) return `${pkg.dir}/${pkg.built} is missing`;
    if (newestSourceMtime(join(root, pkg.dir), pkg.alsoFrom) > statSync(built).mtimeMs)
      return `${pkg.dir} changed since the last build`;
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
