// Lists the import cycles among each package's source files (strongly connected components of the
// graph of relative imports, type-only imports included unless --values-only), with one shortest
// cycle of each spelled out. Part of `pnpm lint`: the packages have none, and must keep it so.
//
//   node scripts/import-cycles.ts [packages/core/src ...] [--values-only]   (default: packages/*/src)
//
// Uses the TypeScript compiler's own parser to read each file's imports, so `import type`,
// re-exports and dynamic `import()` are all seen; exits 1 when there is a cycle.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const args = process.argv.slice(2);
const valuesOnly = args.includes("--values-only");
const named = args.filter((a) => !a.startsWith("--"));
const roots = (
  named.length > 0
    ? named
    : readdirSync("packages", { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join("packages", e.name, "src")))
        .map((e) => join("packages", e.name, "src"))
).map((r) => resolve(r));

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

/** The strongly connected components of more than one file (Tarjan's algorithm). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
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
  for (const f of graph.keys()) if (!index.has(f)) connect(f);
  return cycles;
}

/** A shortest way round a component, from its first file (by name) back to it: what to cut. */
function shortestCycle(graph: Map<string, string[]>, component: string[]): string[] {
  const inside = new Set(component);
  const start = [...component].sort()[0]!;
  const via = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(via.get(path[0]!)!);
        return [...path, start];
      }
      if (!via.has(w)) {
        via.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

let total = 0;
for (const root of roots) {
  const files = sourceFiles(root);
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
  const cycles = cyclesOf(graph);
  total += cycles.length;
  const name = relative(process.cwd(), root);
  for (const c of cycles) {
    const shown = (f: string) => relative(root, f);
    console.log(`${name}: cycle of ${c.length}: ${c.map(shown).sort().join(", ")}`);
    console.log(`  e.g. ${shortestCycle(graph, c).map(shown).join(" -> ")}`);
  }
  console.log(
    `${name}: ${cycles.length} import ${cycles.length === 1 ? "cycle" : "cycles"} among ${files.length} files${valuesOnly ? " (value imports only)" : ""}`,
  );
}
process.exitCode = total > 0 ? 1 : 0;
