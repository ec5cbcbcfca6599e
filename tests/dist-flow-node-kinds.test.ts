/*
 * The node union of the built package: each construct module adds its node to `FlowNodeKinds` by
 * declaration merging, which a consumer of `dist` sees only when `dist/index.d.ts` reaches that
 * module's declarations. The workspace's own typechecks read the sources (the `@catena/source`
 * condition), so this compiles a consumer against `dist` instead: every registered kind must be
 * a `FlowNode` there.
 */
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { flowConstructs } from "../packages/core/src/flows/registry.ts";
import { repoRoot } from "./support/ensure-built.ts";

describe("FlowNode in the built @catena/core", () => {
  it("holds the node of every registered construct", () => {
    const kinds = flowConstructs().map((c) => JSON.stringify(c.kind));
    const probe = join(repoRoot, "tests", "dist-flow-node-kinds.probe.ts");
    const text = [
      `import type { FlowNode } from "@catena/core";`,
      `type Missing = Exclude<${kinds.join(" | ")}, FlowNode["type"]>;`,
      "export const missing: [Missing] extends [never] ? true : Missing = true;",
    ].join("\n");
    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    const exists = host.fileExists.bind(host);
    host.getSourceFile = (file, language, ...rest) =>
      file === probe ? ts.createSourceFile(file, text, language) : read(file, language, ...rest);
    host.fileExists = (file) => file === probe || exists(file);
    const program = ts.createProgram([probe], options, host);
    const resolved = program.getSourceFiles().map((f) => f.fileName);
    expect(resolved).toContain(join(repoRoot, "packages/core/dist/index.d.ts"));
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(errors).toEqual([]);
  }, 60_000);
});
