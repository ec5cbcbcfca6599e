import { createRequire } from "node:module";

type NodeSqlite = typeof import("node:sqlite");

let loaded: NodeSqlite | undefined;

/**
 * Loads `node:sqlite` on first use, without the "SQLite is an experimental feature" warning that
 * Node 22 prints when the module loads: it tells a `catena` user nothing they can act on. Other
 * warnings pass through.
 */
export function loadNodeSqlite(): NodeSqlite {
  if (loaded !== undefined) return loaded;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (text.startsWith("SQLite is an experimental feature")) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    loaded = createRequire(import.meta.url)("node:sqlite") as NodeSqlite;
  } finally {
    process.emitWarning = emitWarning;
  }
  return loaded;
}
