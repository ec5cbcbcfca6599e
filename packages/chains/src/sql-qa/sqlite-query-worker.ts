// A query worker of SqliteQueryRunner: opens the database read-only and answers two requests,
// "tables" (which tables a statement would open, from SQLite's own compiled program) and "query"
// (run it, at most maxRows + 1 rows). It runs in its own thread so that the main thread can stop
// a runaway query by terminating it: node:sqlite runs queries synchronously and cannot interrupt them.
import { parentPort, workerData } from "node:worker_threads";
import { loadNodeSqlite } from "./load-node-sqlite.ts";

/** What the runner asks a worker. */
export interface SqliteWorkerRequest {
  id: number;
  op: "tables" | "query";
  sql: string;
  maxRows: number;
  /** Longest text a cell keeps; longer ones are cut and end in `… (+N characters)`. */
  maxCellChars?: number;
}

/** What a worker answers: the tables a statement reads, or the rows it gave, or why it failed. */
export type SqliteWorkerReply =
  | { id: number; ok: true; tables: string[]; writes: boolean }
  | { id: number; ok: true; columns: string[]; rows: unknown[][]; truncated: boolean }
  | { id: number; ok: false; message: string };

type Database = InstanceType<ReturnType<typeof loadNodeSqlite>["DatabaseSync"]>;

const { path } = workerData as { path: string };
let db: Database | undefined;

// Opcodes that open a b-tree of the database: p2 is its root page, p3 the database (0: main).
const OPEN_READ = new Set(["OpenRead", "ReopenIdx"]);
const OPEN_WRITE = new Set(["OpenWrite"]);

function open(): Database {
  db ??= new (loadNodeSqlite().DatabaseSync)(path, { readOnly: true, allowExtension: false });
  return db;
}

/** The tables a statement opens, by name (indexes count as their table), from `EXPLAIN`. */
function tablesOf(sql: string): { tables: string[]; writes: boolean } {
  const database = open();
  const roots = new Map<number, string>([[1, "sqlite_schema"]]);
  for (const row of database.prepare("SELECT tbl_name, rootpage FROM sqlite_schema").all()) {
    roots.set(Number(row.rootpage), String(row.tbl_name));
  }
  const tables = new Set<string>();
  let writes = false;
  for (const step of database.prepare(`EXPLAIN ${sql}`).all()) {
    const opcode = String(step.opcode);
    if (opcode === "VOpen") tables.add("(virtual table)");
    if (OPEN_WRITE.has(opcode)) writes = true;
    if (!OPEN_READ.has(opcode) && !OPEN_WRITE.has(opcode)) continue;
    const root = Number(step.p2);
    tables.add(Number(step.p3) === 0 ? (roots.get(root) ?? `(root page ${root})`) : "(another database)");
  }
  return { tables: [...tables].sort(), writes };
}

function query(
  sql: string,
  maxRows: number,
  maxCellChars: number,
): { columns: string[]; rows: unknown[][]; truncated: boolean } {
  const statement = open().prepare(sql);
  statement.setReturnArrays(true);
  const columns = statement.columns().map((c) => c.name);
  const rows: unknown[][] = [];
  let truncated = false;
  for (const row of statement.iterate() as Iterable<unknown[]>) {
    if (rows.length === maxRows) {
      truncated = true;
      break;
    }
    rows.push(row.map((value) => plain(value, maxCellChars)));
  }
  return { columns, rows, truncated };
}

/**
 * A JSON-safe cell of bounded size: blobs are described, integers past 2^53 become text, and text
 * past `maxCellChars` is cut here, in the worker, so that a huge value never crosses to the chain
 * (nor reaches its prompt, output or trace).
 */
function plain(value: unknown, maxCellChars: number): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value instanceof Uint8Array) return `<blob of ${value.byteLength} bytes>`;
  if (typeof value === "string" && value.length > maxCellChars) {
    return `${value.slice(0, maxCellChars)}… (+${value.length - maxCellChars} characters)`;
  }
  return value;
}

parentPort?.on("message", (request: SqliteWorkerRequest) => {
  let reply: SqliteWorkerReply;
  try {
    reply =
      request.op === "tables"
        ? { id: request.id, ok: true, ...tablesOf(request.sql) }
        : {
            id: request.id,
            ok: true,
            ...query(request.sql, request.maxRows, request.maxCellChars ?? Number.POSITIVE_INFINITY),
          };
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
