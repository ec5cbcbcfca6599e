import { createRequire } from "node:module";
import type { Node } from "estree";
import type * as Periscopic from "periscopic";
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

let periscopic: typeof Periscopic | undefined;

/**
 * The identifiers a (normalised) function reads that it does not bind itself and that are not
 * globals of this JavaScript environment (`Math`, `JSON`, `fetch`, `process`, ...), sorted: the
 * module-level constants, helpers, imports and captured variables its behaviour depends on.
 *
 * @example
 * freeIdentifiers(readFunction((t) => scanSql(t).trim()).tree) // ["scanSql"]
 */
export function freeIdentifiers(tree: Node): string[] {
  // Loaded on first use (Node >= 22.12 requires ES modules synchronously): only a step whose
  // source is read needs it, and most runs read none.
  periscopic ??= createRequire(import.meta.url)("periscopic") as typeof Periscopic;
  const { globals } = periscopic.analyze(tree);
  const names: string[] = [];
  for (const [name] of globals) {
    if (!NOT_STATE.has(name) && !(name in globalThis)) names.push(name);
  }
  return names.sort();
}
