/*
 * `@catena/core` used from a project outside this repository, as README.md's "Using @catena/core
 * from another project" says: a temporary project (in the OS temp directory) whose node_modules
 * links the built package as `npm install /path/to/catena/packages/core zod` does, running the
 * README's chain snippet with plain `node`, and the CLI loading that chain with --chains.
 */
import { execFile } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

/** The README's first TypeScript block: the chain snippet. */
function readmeSnippet(): string {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const block = /^```ts\n([\s\S]*?)^```/m.exec(readme)?.[1];
  if (block === undefined) throw new Error("README.md has no ```ts block");
  return block;
}

let project: string;

beforeAll(async () => {
  await ensureBuilt();
  project = await mkdtemp(join(tmpdir(), "catena-outside-"));
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "my-app", type: "module", private: true }),
  );
  await mkdir(join(project, "node_modules/@catena"), { recursive: true });
  // What `npm install <folder>` leaves: a link to the package folder (its own dependencies stay there).
  await symlink(join(repoRoot, "packages/core"), join(project, "node_modules/@catena/core"));
  await symlink(
    realpathSync(join(repoRoot, "packages/core/node_modules/zod")),
    join(project, "node_modules/zod"),
  );
}, 180_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe("@catena/core outside the repository", () => {
  it("runs the README's chain snippet with node", async () => {
    expect(relative(repoRoot, project).startsWith("..")).toBe(true);
    // What the README tells a reader to do, which this test does by hand (no registry in tests).
    expect(readFileSync(join(repoRoot, "README.md"), "utf8")).toContain(
      "npm install /path/to/catena/packages/core zod",
    );
    const snippet = readmeSnippet();
    expect(snippet).toContain('from "@catena/core"');
    await writeFile(
      join(project, "app.ts"),
      `${snippet}\nconsole.log(JSON.stringify({ status: r.status, output: r.output }));\n`,
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--disable-warning=ExperimentalWarning", "app.ts"],
      { cwd: project },
    );
    expect(JSON.parse(stdout)).toEqual({
      status: "done",
      output: { label: "billing", confidence: 0.97, tier: "rules" },
    });
  });

  it("the CLI loads the exported chain with --chains", async () => {
    await writeFile(
      join(project, "chains.ts"),
      readmeSnippet().replace(/^const (\w+) = defineChain/m, "export const $1 = defineChain"),
    );
    const r = await catena(
      [
        "--no-trace",
        "--chains",
        join(project, "chains.ts"),
        "run",
        "mini-triage",
        "--text",
        "Where is my order?",
      ],
      {
        cwd: repoRoot,
      },
    );
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ label: "shipping", confidence: 0.6, tier: "keywords" });
  });
});
