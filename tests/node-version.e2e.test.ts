/*
 * The `catena` bin on a Node that is too old: it re-runs itself under the Node that
 * scripts/bootstrap.sh put into <repo>/.tools, or prints one line saying which Node is needed and
 * how to get it. The bin is copied into a temporary tree (with a stand-in dist/bundle/main.js) so that both
 * cases can be set up; the last test runs the real `npx catena` / `pnpm catena` from the repository root.
 */
import { execFile, execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";

/** A Node older than 22.12 on this machine (the system Node, say), or undefined when there is none. */
function oldNode(): string | undefined {
  const candidates = new Set(["/usr/bin/node", "/usr/local/bin/node"]);
  try {
    for (const p of execFileSync("which", ["-a", "node"], { encoding: "utf8" }).split("\n")) {
      if (p.trim()) candidates.add(p.trim());
    }
  } catch {}
  for (const node of candidates) {
    if (!existsSync(node)) continue;
    try {
      const [major = 0, minor = 0] = execFileSync(node, ["-p", "process.versions.node"], { encoding: "utf8" })
        .trim()
        .split(".")
        .map(Number);
      if (major < 22 || (major === 22 && minor < 12)) return node;
    } catch {}
  }
  return undefined;
}

const old = oldNode();
const bootstrapped = join(repoRoot, ".tools/node_modules/.bin/node");

function exec(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: typeof error?.code === "number" ? error.code : error ? 1 : 0, stdout, stderr });
    });
  });
}

/** PATH with the old Node's directory first, as on a machine whose system Node is old. */
const oldFirstPath = (): string => [dirname(old ?? ""), process.env.PATH ?? ""].join(delimiter);

let tree: string;
beforeAll(async () => {
  await ensureBuilt();
  tree = mkdtempSync(join(tmpdir(), "catena-node-"));
  const bin = join(tree, "packages/cli/bin");
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(tree, "packages/cli/dist/bundle"), { recursive: true });
  for (const f of readdirSync(join(repoRoot, "packages/cli/bin")))
    copyFileSync(join(repoRoot, "packages/cli/bin", f), join(bin, f));
  // Stands in for the CLI: shows which Node runs it and what it was asked, and returns exit code 3.
  writeFileSync(
    join(tree, "packages/cli/dist/bundle/main.js"),
    'export async function main(argv) { console.log("node " + process.version + " args " + argv.slice(2).join(" ")); return 3; }\n',
  );
  mkdirSync(join(tree, "scripts"));
  writeFileSync(join(tree, "scripts/bootstrap.sh"), "");
}, 180_000);

afterAll(() => {
  if (tree) rmSync(tree, { recursive: true, force: true });
});

describe.skipIf(old === undefined)("catena on a Node older than 22.12", () => {
  it("without a bootstrapped Node, prints one line naming the Node needed and how to get it", async () => {
    const r = await exec(old ?? "", [join(tree, "packages/cli/bin/catena.js"), "list"], { cwd: tree });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("catena: needs Node >= 22.12");
    expect(r.stderr).toContain(`bash ${join(tree, "scripts/bootstrap.sh")}`);
    expect(r.stderr).toContain("https://nodejs.org");
  });

  it("re-runs under <repo>/.tools' Node with the same arguments and exit code", async () => {
    const toolsBin = join(tree, ".tools/node_modules/.bin");
    mkdirSync(toolsBin, { recursive: true });
    symlinkSync(process.execPath, join(toolsBin, "node"));
    try {
      const r = await exec(
        old ?? "",
        [join(tree, "packages/cli/bin/catena.js"), "run", "x", "--text", "a b"],
        {
          cwd: tree,
        },
      );
      expect(r.stdout).toBe(`node ${process.version} args run x --text a b\n`);
      expect(r.code).toBe(3);
    } finally {
      rmSync(join(tree, ".tools"), { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync(bootstrapped))(
    "npx catena and pnpm catena work from the repository root with the old Node first on PATH",
    async () => {
      // A user's shell: none of the npm_config_* settings pnpm passes to the tests.
      const shell = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
      const env = { ...shell, PATH: oldFirstPath(), CATENA_STUDIO_DB: join(tree, "studio.db") };
      const npx = await exec("npx", ["--no-install", "catena", "--version"], { cwd: repoRoot, env });
      expect(npx.stderr).toBe("");
      expect(npx.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(npx.code).toBe(0);
      const pnpm = await exec("pnpm", ["--silent", "catena", "list"], { cwd: repoRoot, env });
      expect(pnpm.stdout).toMatch(/^support-triage\s/m);
      expect(pnpm.code).toBe(0);
    },
  );
});
