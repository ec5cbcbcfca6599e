// Lists the import cycles among a package's source files (strongly connected components of the
// graph of relative imports, type-only imports included unless --values-only).
//
//   node scripts/import-cycles.ts packages/core/src [--values-only]
//
// Uses the TypeScript compiler's own pre-processor to read each file's imports, so `import type`,
// re-exports and dynamic `import()` are all seen; exits 1 when there is a cycle.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const root = resolve(process.argv[2] ?? "packages/core/src");
const valuesOnly = process.argv.includes("--values-only");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "fixtures" ? [] : sourceFiles(path);
    return /\.ts$/.test(e.name) && !/\.(test|test-d|case)\.ts$/.test(e.name) ? [path] : [];
  });
}

/** Relative imports of a file; with --values-only, the type-only ones are left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    let spec: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(node)) {
      spec = node.moduleSpecifier;
      const clause = node.importClause;
      typeOnly =
        clause?.isTypeOnly === true ||
        (clause !== undefined &&
          clause.name === undefined &&
          clause.namedBindings !== undefined &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly));
    } else if (ts.isExportDeclaration(node)) {
      spec = node.moduleSpecifier;
      typeOnly = node.isTypeOnly;
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      spec = node.arguments[0];
    }
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith(".") && !(valuesOnly && typeOnly)) {
      out.push(resolve(dirname(file), spec.text));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const files = sourceFiles(root);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));

// Tarjan's strongly connected components.
let counter = 0;
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const cycles: string[][] = [];
const connect = (v: string): void => {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!index.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
  }
  if (low.get(v) === index.get(v)) {
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component);
  }
};
for (const f of files) if (!index.has(f)) connect(f);

for (const c of cycles)
  console.log(
    `cycle of ${c.length}: ${c
      .map((f) => relative(root, f))
      .sort()
      .join(", ")}`,
  );
console.log(
  `${cycles.length} cycle(s) among ${files.length} files${valuesOnly ? " (value imports only)" : ""}`,
);
process.exitCode = cycles.length > 0 ? 1 : 0;
