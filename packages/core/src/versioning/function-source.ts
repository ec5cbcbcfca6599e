import { createRequire } from "node:module";
import type * as Acorn from "acorn";
import type { Options } from "acorn";
import type * as Astring from "astring";
import type { Node } from "estree";
import { normalizeFunctionTree } from "./normalize-function-tree.ts";

/**
 * The source of a function as it goes into a fingerprint: its syntax tree, with what loaders
 * change normalised away, printed back in one canonical layout. The same function gives the same
 * text whether it was loaded by Node's type stripping (and the built `dist/`, made the same way),
 * tsx (esbuild: whitespace minified, names kept with `__name`), or vitest's default module runner
 * (oxc and Vite's SSR transform: imports rewritten, `;` after blocks, quotes and numbers
 * reprinted). What counts is only what the parser keeps:
 *
 * - layout, comments, parentheses, trailing commas, optional semicolons and type annotations
 *   (stripped to spaces by Node, removed by the others) are not in the tree;
 * - literals count by value: `'a'` is `"a"`, `.6` is `0.6`, `2e3` is `2000`, `0x10n` is `16n`; an
 *   untagged template by its cooked text (`\n` and a line break alike), a tagged one by its raw
 *   text, which the tag sees; a regex by its pattern and flags, exactly;
 * - `void 0` is `undefined`, `!0` is `true`, `!1` is `false`;
 * - `a["b"]` is `a.b` and `{ "b": 1 }` is `{ b: 1 }` when `b` is an identifier name; `{ b: b }`
 *   is `{ b }`; `x => { return e; }` is `x => e`; empty statements are dropped;
 * - loader artefacts are undone: esbuild's `__name(f, "f")` wrappers, `__name(f, "f");` statements
 *   and `static { __name(this, "K"); }` blocks (keepNames, which tsx turns on); the `(0, f)(...)`
 *   call form; an imported binding read through a module object, `__vite_ssr_import_3__.helper`
 *   (Vite) or `import_helpers.helper` (esbuild's CommonJS output, e.g. tsx on a package without
 *   `"type": "module"`), is the bare name `helper`; `__vite_ssr_dynamic_import__(x)` is
 *   `import(x)` and `__vite_ssr_import_meta__` is `import.meta`.
 *
 * Known limits, where a function still fingerprints differently under Vite or esbuild's CommonJS
 * output than under Node: an import renamed on the way in (`import { a as b }`: those loaders
 * read it as `a`) and a default or namespace import (read through `.default` or the module
 * object, the local name is lost). Import such helpers under their own name, or pass them as
 * `deps`. Code that a loader lowers to older syntax (class fields, `using`, decorators) or
 * minifies beyond whitespace (renamed locals, `const` to `let`) is outside these rules: none of
 * the loaders above does that for Node 22. The text of a native or bound function
 * (`[native code]`) is hashed as it is, whitespace-normalised.
 */
export function functionSource(fn: SourceFunction): string {
  let source = sources.get(fn);
  if (source === undefined) {
    source = readFunction(fn).source;
    sources.set(fn, source);
  }
  return source;
}

/** A function or class whose source can be fingerprinted. */
export type SourceFunction = ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown);

/** A function's canonical source and, when it parsed, its normalised syntax tree. */
export interface FunctionSyntax {
  /** What {@link functionSource} returns. */
  source: string;
  /** The normalised tree (a function, method or class node); undefined for native code. */
  tree: Node | undefined;
}

/** Reads a function's source into a normalised syntax tree and its canonical text. */
export function readFunction(fn: SourceFunction): FunctionSyntax {
  const text = Function.prototype.toString.call(fn);
  const parsed = parseFunctionText(text);
  if (parsed === undefined) return { source: text.replace(/\s+/g, " ").trim(), tree: undefined };
  const tree = normalizeFunctionTree(parsed);
  const source = generate(tree, { indent: "  ", lineEnd: "\n" });
  sources.set(fn, source);
  return { source, tree };
}

// Functions are hashed once per process: a helper shared by several steps, or a step in a chain
// built twice, costs a map lookup the second time. Keyed weakly, so chains can be collected.
const sources = new WeakMap<SourceFunction, string>();

// The parser and printer load on the first function read, not with the engine: a run that never
// reads a fingerprint (`catena run` without --json, tracing or a checkpoint) never needs them, and
// loading them is a good part of the CLI's start-up. Both ship CommonJS builds, so this stays
// synchronous.
const load = createRequire(import.meta.url);
let acorn: typeof Acorn | undefined;
let astring: typeof Astring | undefined;
function parse(text: string, options: Options) {
  acorn ??= load("acorn") as typeof Acorn;
  return acorn.parse(text, options);
}
function generate(tree: Node, options: Astring.Options<null>): string {
  astring ??= load("astring") as typeof Astring;
  return astring.generate(tree, options);
}

const PARSE: Options = { ecmaVersion: "latest", sourceType: "module" };
const SCRIPT: Options = { ecmaVersion: "latest", sourceType: "script" };

/**
 * `Function.prototype.toString` gives a function or class expression, a method (`m(x) {}`,
 * `get v() {}`, `async *g() {}`) or a class member; each parses inside its own wrapper. Module
 * code first (strict, `import.meta`), then sloppy script for the rare function that needs it.
 */
function parseFunctionText(text: string): Node | undefined {
  for (const options of [PARSE, SCRIPT]) {
    const expression = tryParse(`(${text}\n)`, options);
    if (expression?.type === "ExpressionStatement") return expression.expression;
    const object = tryParse(`({${text}\n})`, options);
    if (object?.type === "ExpressionStatement" && object.expression.type === "ObjectExpression") {
      const member = object.expression.properties[0];
      if (member !== undefined && object.expression.properties.length === 1) return member;
    }
    const klass = tryParse(`(class{${text}\n})`, options);
    if (klass?.type === "ExpressionStatement" && klass.expression.type === "ClassExpression") {
      const member = klass.expression.body.body[0];
      if (member !== undefined && klass.expression.body.body.length === 1) return member;
    }
  }
  return undefined;
}

function tryParse(text: string, options: Options): Node | undefined {
  try {
    const program = parse(text, options) as unknown as { body: Node[] };
    return program.body.length === 1 ? program.body[0] : undefined;
  } catch {
    return undefined;
  }
}
