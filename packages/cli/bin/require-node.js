// The Node version check every `catena` command starts with. Plain JavaScript that old Node versions
// can parse: it runs before the CLI (which needs Node >= 22.12 for node:sqlite and type stripping)
// is loaded, so that an old Node first on PATH gives one clear line instead of a confusing failure.
// On the common path (this Node fits) nothing is loaded and nothing is spawned: the modules the
// re-run needs are imported only when this Node is too old.
let spawn, spawnSync, accessSync, constants, dirname, join, fileURLToPath;

/** The oldest Node the CLI runs on (keep in step with "engines" in package.json). */
export const MIN_NODE = [22, 12];

/** Set in the environment of the re-run, so that a Node that still does not fit is not re-run again. */
const REEXEC_ENV = "CATENA_NODE_REEXEC";

/** Whether a version string such as `v22.12.0` or `22.12.0` is at least {@link MIN_NODE}. */
export function nodeVersionOk(version) {
  const [major, minor] = String(version).replace(/^v/, "").split(".").map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/**
 * Returns when this Node is recent enough. Otherwise re-runs the same command under the Node that
 * `scripts/bootstrap.sh` installed into `<repo>/.tools` (found by walking up from this file) and
 * exits with its exit code; when there is none, prints one line saying which Node is needed and how
 * to get it, and exits 1.
 */
export async function requireNode() {
  if (nodeVersionOk(process.versions.node)) return;
  ({ spawn, spawnSync } = await import("node:child_process"));
  ({ accessSync, constants } = await import("node:fs"));
  ({ dirname, join } = await import("node:path"));
  ({ fileURLToPath } = await import("node:url"));
  const here = dirname(fileURLToPath(import.meta.url));
  const bootstrapped = process.env[REEXEC_ENV] ? undefined : findBootstrappedNode(here);
  if (bootstrapped === undefined) {
    const repo = findUp(here, "scripts/bootstrap.sh");
    const how = repo
      ? `run \`bash ${join(repo, "scripts/bootstrap.sh")}\` once (it installs Node 22 into ${join(repo, ".tools")}), or install Node 22 from https://nodejs.org and put it first on PATH`
      : "install Node 22 from https://nodejs.org and put it first on PATH";
    process.stderr.write(
      `catena: needs Node >= ${MIN_NODE.join(".")}, but ${process.execPath} is ${process.version}; ${how}.\n`,
    );
    process.exit(1);
  }
  await rerun(bootstrapped);
}

/** `<dir>/.tools/node_modules/.bin/node` of the nearest directory above `start` that has a usable one. */
function findBootstrappedNode(start) {
  for (let dir = start; ; dir = dirname(dir)) {
    const node = join(dir, ".tools", "node_modules", ".bin", "node");
    if (isExecutable(node)) {
      const probe = spawnSync(node, ["--version"], { encoding: "utf8" });
      if (probe.status === 0 && nodeVersionOk(probe.stdout.trim())) return node;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The nearest directory above `start` holding `relative`, or undefined. */
function findUp(start, relative) {
  for (let dir = start; ; dir = dirname(dir)) {
    if (isExecutable(join(dir, relative), constants.R_OK)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function isExecutable(path, mode = constants.X_OK) {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** Runs this command again under `node`, passing signals on, and exits the way it exits. */
function rerun(node) {
  return new Promise(() => {
    const child = spawn(node, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: "inherit",
      env: { ...process.env, [REEXEC_ENV]: "1" },
    });
    // Ctrl-C reaches the child from the terminal itself; only signals sent to this process are passed on.
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", () => {});
    process.on("SIGTERM", forward);
    process.on("SIGHUP", forward);
    child.on("error", (error) => {
      process.stderr.write(`catena: could not start ${node}: ${error.message}\n`);
      process.exit(1);
    });
    child.on("exit", (code, signal) => {
      if (signal) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      }
      process.exit(code ?? 1);
    });
  });
}
