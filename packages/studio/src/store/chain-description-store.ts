import type { DatabaseSync } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { studioNow } from "./studio-timestamp.ts";

/**
 * What the page needs to know of a chain to draw its graph and check corrections: what
 * `catena describe --json` prints, at least its name, version, fingerprint and Mermaid graph, and
 * the input and output JSON Schemas (from its zod schemas).
 */
export interface ChainDescription {
  name: string;
  version: string;
  fingerprint: string;
  mermaid: string;
  input?: unknown;
  output?: unknown;
  [field: string]: unknown;
}

/**
 * Chain descriptions by fingerprint (a trace's root run names its chain's fingerprint in its
 * metadata). The CLI puts them when it traces to a studio; a new description of the same
 * fingerprint replaces the old one.
 */
export class ChainDescriptionStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Stores `description` under its fingerprint. */
  put(description: ChainDescription): void {
    this.#db
      .prepare(
        `INSERT INTO chain_descriptions (fingerprint, name, version, description, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (fingerprint) DO UPDATE SET name = excluded.name, version = excluded.version,
           description = excluded.description, updated_at = excluded.updated_at`,
      )
      .run(
        description.fingerprint,
        description.name,
        description.version,
        JSON.stringify(description),
        studioNow(),
      );
  }

  /** The description of `fingerprint`, or undefined. */
  get(fingerprint: string): ChainDescription | undefined {
    const row = this.#db
      .prepare("SELECT description FROM chain_descriptions WHERE fingerprint = ?")
      .get(fingerprint);
    return row === undefined ? undefined : (JSON.parse(String(row.description)) as ChainDescription);
  }
}

/** Checks a `PUT /catena/chains/{fingerprint}` body. */
export function toChainDescription(body: unknown, fingerprint: string): ChainDescription {
  const where = `PUT /catena/chains/${fingerprint}`;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StudioHttpError(
      422,
      `${where}: the body must be a chain description, as catena describe --json prints it.`,
    );
  }
  const raw = body as Record<string, unknown>;
  for (const field of ["name", "version", "mermaid"] as const) {
    if (typeof raw[field] !== "string" || raw[field] === "") {
      throw new StudioHttpError(
        422,
        `${where}: "${field}" must be a non-empty string (see catena describe --json).`,
      );
    }
  }
  if (raw.fingerprint !== undefined && raw.fingerprint !== fingerprint) {
    throw new StudioHttpError(
      422,
      `${where}: the body's fingerprint ${JSON.stringify(raw.fingerprint)} is not the one in the path; send it under its own.`,
    );
  }
  return { ...(raw as ChainDescription), fingerprint };
}
