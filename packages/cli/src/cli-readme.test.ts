import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./program.ts";

/** Every command path of the program: `run`, `feedback stats`, `studio prune`, ... */
function commandPaths(command: Command, prefix = ""): string[] {
  return command.commands.flatMap((c) => {
    const path = `${prefix}${c.name()}`;
    return [path, ...commandPaths(c, `${path} `)];
  });
}

describe("packages/cli/README.md", () => {
  it("lists every command in its table", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const rows = readme.split("\n").filter((line) => line.startsWith("| `"));
    const program = await buildProgram({ io: { out() {}, err() {}, cwd: process.cwd() }, setExitCode() {} });
    const paths = commandPaths(program);
    expect(paths).toContain("studio prune");
    for (const path of paths) {
      expect(
        rows.some((row) => row.startsWith(`| \`${path} `) || row.startsWith(`| \`${path}\``)),
        `no row for \`${path}\``,
      ).toBe(true);
    }
  });

  it("gives each table one delimiter row", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const lines = readme.split("\n");
    const delimiter = (line: string | undefined) => /^\|(\s*:?-+:?\s*\|)+$/.test(line ?? "");
    // A second delimiter row renders as a row of dashes.
    const repeated = lines.filter((line, i) => delimiter(line) && delimiter(lines[i - 1]));
    expect(repeated).toEqual([]);
  });
});
