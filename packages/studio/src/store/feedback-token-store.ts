import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { toFeedbackConfig } from "./feedback-config-store.ts";
import { fromJsonColumn, toJsonColumn } from "./json-column.ts";
import { isUuid } from "./run-fields.ts";
import { studioNow, toStudioTimestamp } from "./studio-timestamp.ts";

/** A presigned feedback token: lets whoever holds its URL give one kind of feedback on one run. */
export interface FeedbackToken {
  id: string;
  run_id: string;
  feedback_key: string;
  feedback_config: unknown;
  expires_at: string;
  created_at: string;
}

/** A checked `POST /feedback/tokens` body. */
export interface FeedbackTokenCreate {
  run_id: string;
  feedback_key: string;
  feedback_config?: unknown;
  expires_at: string;
}

const DEFAULT_EXPIRY_MS = 3 * 60 * 60 * 1000;

/**
 * Checks a `POST /feedback/tokens` body: `run_id`, `feedback_key`, and `expires_at` (ISO) or
 * `expires_in: {days, hours, minutes}`; without either the token lives 3 hours, as in LangSmith. An
 * expiry that is not in the future is a 422.
 */
export function toFeedbackTokenCreate(body: unknown, now = Date.now()): FeedbackTokenCreate {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StudioHttpError(
      422,
      'The body must be a JSON object such as {"run_id": "<uuid>", "feedback_key": "thumbs"}.',
    );
  }
  const raw = body as Record<string, unknown>;
  if (!isUuid(raw.run_id)) throw new StudioHttpError(422, `"run_id" must be the UUID of the run to rate.`);
  if (typeof raw.feedback_key !== "string" || raw.feedback_key === "") {
    throw new StudioHttpError(422, '"feedback_key" is required: the key the feedback will be stored under.');
  }
  let expiresAt: string;
  if (raw.expires_at !== undefined && raw.expires_at !== null) {
    expiresAt = toStudioTimestamp(raw.expires_at, "expires_at")!;
  } else if (raw.expires_in !== undefined && raw.expires_in !== null) {
    const delta = raw.expires_in as Record<string, unknown>;
    const part = (key: string) => {
      const v = delta[key];
      if (v === undefined || v === null) return 0;
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new StudioHttpError(
          422,
          `"expires_in.${key}" must be a number (expires_in is {days, hours, minutes}).`,
        );
      }
      return v;
    };
    const ms = ((part("days") * 24 + part("hours")) * 60 + part("minutes")) * 60_000 + part("seconds") * 1000;
    expiresAt = toStudioTimestamp(now + ms)!;
  } else {
    expiresAt = toStudioTimestamp(now + DEFAULT_EXPIRY_MS)!;
  }
  // A token already expired could never be used: the app that asked for it has a wrong clock or
  // a wrong sign, and would hand out a link that answers 410 from the first click.
  if (expiresAt <= toStudioTimestamp(now)!) {
    throw new StudioHttpError(
      422,
      `The token would expire at ${expiresAt}, which is not in the future: give a later "expires_at", or a positive "expires_in" such as {"hours": 3}.`,
      { expires_at: expiresAt },
    );
  }
  const out: FeedbackTokenCreate = {
    run_id: raw.run_id.toLowerCase(),
    feedback_key: raw.feedback_key,
    expires_at: expiresAt,
  };
  if (raw.feedback_config !== undefined && raw.feedback_config !== null)
    out.feedback_config = toFeedbackConfig(raw.feedback_config, '"feedback_config"');
  return out;
}

/** Presigned feedback tokens in SQLite. */
export class FeedbackTokenStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Creates a token. */
  create(input: FeedbackTokenCreate): FeedbackToken {
    const id = randomUUID();
    this.#db
      .prepare(
        "INSERT INTO feedback_tokens (id, run_id, feedback_key, feedback_config, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(
        id,
        input.run_id,
        input.feedback_key,
        toJsonColumn(input.feedback_config),
        input.expires_at,
        studioNow(),
      );
    return this.#get(id)!;
  }

  /** The tokens of a run, oldest first. */
  listForRun(runId: string | undefined, offset: number, limit: number): FeedbackToken[] {
    const rows =
      runId === undefined
        ? this.#db
            .prepare("SELECT * FROM feedback_tokens ORDER BY created_at, rowid LIMIT ? OFFSET ?")
            .all(limit, offset)
        : this.#db
            .prepare(
              "SELECT * FROM feedback_tokens WHERE run_id = ? ORDER BY created_at, rowid LIMIT ? OFFSET ?",
            )
            .all(runId, limit, offset);
    return rows.map(toToken);
  }

  /** A token that may be used now: 404 if unknown, 410 once expired. */
  requireUsable(id: string, now = studioNow()): FeedbackToken {
    const token = isUuid(id) ? this.#get(id.toLowerCase()) : undefined;
    if (token === undefined) {
      throw new StudioHttpError(
        404,
        `Feedback token ${id} not found: use the exact URL returned by POST /feedback/tokens.`,
      );
    }
    if (token.expires_at <= now) {
      throw new StudioHttpError(
        410,
        `Feedback token ${id} expired at ${token.expires_at}: ask the app for a new feedback link (createPresignedFeedbackToken).`,
        { expires_at: token.expires_at },
      );
    }
    return token;
  }

  #get(id: string): FeedbackToken | undefined {
    const row = this.#db.prepare("SELECT * FROM feedback_tokens WHERE id = ?").get(id);
    return row === undefined ? undefined : toToken(row);
  }
}

function toToken(row: Record<string, unknown>): FeedbackToken {
  return {
    id: String(row.id),
    run_id: String(row.run_id),
    feedback_key: String(row.feedback_key),
    feedback_config: fromJsonColumn(row.feedback_config),
    expires_at: String(row.expires_at),
    created_at: String(row.created_at),
  };
}
