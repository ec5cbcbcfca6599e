import type { DatabaseSync } from "node:sqlite";

/** One schema change; applied once, in order, inside a transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: DatabaseSync): void;
}
