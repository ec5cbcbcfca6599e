import type { Node } from "estree";
// Imported, not required on first use like acorn and astring: periscopic and its walker ship ES
// modules only, which a loader that hooks `require` (tsx) cannot load synchronously.
import { analyze } from "periscopic";
import { IMPORTED_MODULE } from "../versioning/normalize-function-tree.ts";

// Names a function can read without a binding of its own that are not module state: the
// CommonJS module scope, `arguments`, and the keywords periscopic reports from `import.meta`.
const NOT_STATE = new Set([
  "arguments",
  "require",
  "module",
  "exports",
  "__dirname",
  "__filename",
  "import",
  "new",
  IMPORTED_MODULE,
]);

/**
 * The identifiers a (normalised) function reads that it does not bind itself and that are not
 * globals of this JavaScript environment (`Math`, `JSON`, `fetch`, `process`, ...), sorted: the
 * module-level constants, helpers, imports and captured variables its behaviour depends on.
 *
 * @example
 * freeIdentifiers(readFunction((t) => scanSql(t).trim()).tree) // ["scanSql"]
 */
export function freeIdentifiers(tree: Node): string[] {
  const { globals } = analyze(tree);
  const names: string[] = [];
  for (const [name] of globals) {
    if (!NOT_STATE.has(name) && !(name in globalThis)) names.push(name);
  }
  return names.sort();
}
