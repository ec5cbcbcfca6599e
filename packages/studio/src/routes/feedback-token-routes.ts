import type { Context, Hono } from "hono";
import { cors } from "hono/cors";
import { assertJsonDepth } from "../http/json-depth.ts";
import { parseJsonText } from "../http/parse-json-text.ts";
import { pageParams, uuidParams } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { toFeedbackCreate } from "../store/feedback-store.ts";
import { type FeedbackToken, toFeedbackTokenCreate } from "../store/feedback-token-store.ts";
import type { StudioStore } from "../store/studio-store.ts";

/** The path of the end-user endpoints, which take no API key: the token in the URL is the credential. */
export const FEEDBACK_TOKEN_PATH = /^\/feedback\/tokens\/[^/]+$/;

/**
 * Registers presigned feedback: `POST /feedback/tokens` → `{id, url, expires_at}`,
 * `GET /feedback/tokens?run_id=`, and the end-user `POST {url}` (JSON `{score, value, comment,
 * correction, metadata}`) and `GET {url}?score=&value=&comment=&correction=`, which answer 404 for
 * an unknown token, 410 once it expired, and 422 when they carry no score, value, comment or
 * correction. The end-user routes allow any origin (a browser app
 * calls them). Token URLs start with `publicUrl()`, never with the request's Host header, which a
 * DNS-rebinding page or a proxy chooses.
 */
export function registerFeedbackTokenRoutes(app: Hono, store: StudioStore, publicUrl: () => string): void {
  const publicBase = (c: Context): string =>
    `${publicUrl()}${new URL(c.req.url).pathname.startsWith("/api/v1/") ? "/api/v1" : ""}`;

  app.post("/feedback/tokens", async (c) => {
    const token = store.feedbackTokens.create(toFeedbackTokenCreate(await readJsonBody(c)));
    return c.json({
      id: token.id,
      url: `${publicBase(c)}/feedback/tokens/${token.id}`,
      expires_at: token.expires_at,
    });
  });

  app.get("/feedback/tokens", (c) => {
    const runId = uuidParams(c, "run_id")?.[0];
    const { offset, limit } = pageParams(c);
    const base = publicBase(c);
    return c.json(
      store.feedbackTokens.listForRun(runId, offset, limit).map((t) => ({
        id: t.id,
        url: `${base}/feedback/tokens/${t.id}`,
        expires_at: t.expires_at,
        run_id: t.run_id,
        feedback_key: t.feedback_key,
      })),
    );
  });

  app.use("/feedback/tokens/:token", cors());

  app.post("/feedback/tokens/:token", async (c) => {
    const token = store.feedbackTokens.requireUsable(c.req.param("token") ?? "");
    const body = await readJsonBody(c, { anyContentType: true });
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new StudioHttpError(422, 'Send a JSON object such as {"score": 1, "comment": "helpful"}.');
    }
    const raw = body as Record<string, unknown>;
    submit(store, token, raw.score, raw.value, raw.comment, raw.correction, raw.metadata);
    return c.json({});
  });

  app.get("/feedback/tokens/:token", (c) => {
    const token = store.feedbackTokens.requireUsable(c.req.param("token") ?? "");
    const score = c.req.query("score");
    const correction = c.req.query("correction");
    submit(
      store,
      token,
      score === undefined ? undefined : Number.isNaN(Number(score)) ? score : Number(score),
      c.req.query("value"),
      c.req.query("comment"),
      correction === undefined ? undefined : parseMaybeJson(correction),
      undefined,
    );
    return c.json({});
  });
}

function submit(
  store: StudioStore,
  token: FeedbackToken,
  score: unknown,
  value: unknown,
  comment: unknown,
  correction: unknown,
  metadata: unknown,
): void {
  if (score === undefined && value === undefined && comment === undefined && correction === undefined) {
    // A link preview (chat apps fetch every URL pasted) or a bare click would store an empty verdict.
    throw new StudioHttpError(
      422,
      `Feedback through a token needs a score, value, comment or correction: GET ${"{url}"}?score=1, or POST {"score": 1, "comment": "..."}.`,
    );
  }
  const body: Record<string, unknown> = {
    run_id: token.run_id,
    key: token.feedback_key,
    feedback_source: {
      type: "app",
      metadata: typeof metadata === "object" && metadata !== null ? metadata : {},
    },
  };
  if (score !== undefined) body.score = score;
  if (value !== undefined) body.value = value;
  if (comment !== undefined) body.comment = comment;
  if (correction !== undefined) body.correction = correction;
  if (token.feedback_config !== null) body.feedback_config = token.feedback_config;
  store.feedback.create(toFeedbackCreate(body, "feedback"));
}

function parseMaybeJson(text: string): unknown {
  let value: unknown;
  try {
    value = parseJsonText(text);
  } catch {
    return text;
  }
  assertJsonDepth(value, 'Query parameter "correction"');
  return value;
}
