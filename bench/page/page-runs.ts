// The runs of the studio page benchmarks (page.bench.ts, search.bench.ts), written straight into
// SQLite: traces of a root and 9 steps, 70% in the first project, Catena's metadata on each root,
// a rating on 5% of roots, and one trace of 50 steps.
import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { storeAnsweringTiers } from "../../packages/studio/src/store/answering-tier.ts";
import { storeTrendValues } from "../../packages/studio/src/store/trend-columns.ts";

const PER_TRACE = 10;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z");
}

function dotted(ms: number, id: string): string {
  return `${iso(ms).replace(/[-:.]/g, "")}${id}`;
}

const WORDS = [
  "printer",
  "refund",
  "invoice",
  "password",
  "screen",
  "delivery",
  "account",
  "upgrade",
  "battery",
];
const CHAINS = ["triage", "refunds", "routing"];
const TIERS = ["rules", "ml", "llm"];

/**
 * Writes `runs` runs (traces of 10) and one 50-step trace into `sessions` (4 project ids; the first
 * is the queried one, with 70% of the traces), their starts spread evenly over `days` (30) from
 * 2026-11-01; returns the long trace and the middle of the time span.
 */
export function writePageRuns(
  db: DatabaseSync,
  sessions: readonly string[],
  runs: number,
  { days = 30 }: { days?: number } = {},
): { longTrace: string; mid: number } {
  const insert = db.prepare(
    `INSERT INTO runs (id, trace_id, dotted_order, parent_run_id, session_id, name, run_type, start_time, end_time,
       status, error, inputs, outputs, extra, total_tokens, total_cost, has_post, has_patch)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)`,
  );
  const traces = Math.floor(runs / PER_TRACE);
  const t0 = Date.parse("2026-11-01T00:00:00Z");
  const span = days * 86_400_000;
  // The traces in one statement of SQL (SQLite builds 1,000,000 rows several times faster than a
  // statement per row from JavaScript). Trace t starts at t0 + t/traces of the span; its root's id
  // is the UUID-shaped hex of t * 16, its steps' ids t * 16 + s.
  db.exec("BEGIN");
  db.prepare(
    `CREATE TEMP TABLE page_traces AS
     WITH RECURSIVE t(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM t WHERE n < :traces - 1)
     SELECT n AS t,
       printf('00000000-0000-4000-8000-%012x', n * 16) AS id,
       :t0 + CAST((n * 1.0 / :traces) * :span AS INTEGER) AS start,
       json_extract(:sessions, '$[' || (CASE WHEN n % 10 < 7 THEN 0 ELSE 1 + n % 3 END) || ']') AS session,
       json_extract(:chains, '$[' || (n % 3) || ']') AS chain,
       json_extract(:tiers, '$[' || ((n >> 2) % 3) || ']') AS tier,
       CASE WHEN n % 20 = 0 THEN 'deferred' WHEN n % 33 = 0 THEN 'error' ELSE 'done' END AS status,
       json_extract(:words, '$[' || (n % 9) || ']') AS word,
       0.7 + (n % 30) / 100.0 AS confidence
     FROM t`,
  ).run({
    traces,
    t0,
    span,
    sessions: JSON.stringify(sessions),
    chains: JSON.stringify(CHAINS),
    tiers: JSON.stringify(TIERS),
    words: JSON.stringify(WORDS),
  });
  const isoSql = (ms: string) => `strftime('%Y-%m-%dT%H:%M:%f', (${ms}) / 1000.0, 'unixepoch') || '000Z'`;
  const dottedSql = (ms: string, id: string) =>
    `replace(replace(replace(${isoSql(ms)}, '-', ''), ':', ''), '.', '') || ${id}`;
  db.exec(
    `INSERT INTO runs (id, trace_id, dotted_order, parent_run_id, session_id, name, run_type, start_time, end_time,
       status, error, inputs, outputs, extra, total_tokens, total_cost, has_post, has_patch)
     SELECT id, id, ${dottedSql("start", "id")}, NULL, session, chain, 'chain', ${isoSql("start")}, ${isoSql("start + 60")},
       CASE WHEN status = 'error' THEN 'error' ELSE 'success' END,
       CASE WHEN status = 'error' THEN 'VALIDATION: label not allowed: fix the prompt' END,
       json_object('ticket', 'my ' || word || ' broke, order ' || t),
       json_object('label', word, 'confidence', confidence),
       json_object('metadata', json_patch(json_object('chain', chain, 'version', CASE WHEN t % 2 = 0 THEN '1.0.0' ELSE '1.1.0' END,
         'fingerprint', 'fp-' || chain, 'status', status, 'tier', tier,
         'confidence', confidence, 'ms', 5 + t % 50), CASE WHEN tier = 'llm' THEN '{"model":"gpt-4o-mini"}' ELSE '{}' END)),
       NULL, NULL, 1, 1
     FROM temp.page_traces ORDER BY t`,
  );
  db.exec(
    `WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < ${PER_TRACE - 1})
     INSERT INTO runs (id, trace_id, dotted_order, parent_run_id, session_id, name, run_type, start_time, end_time,
       status, error, inputs, outputs, extra, total_tokens, total_cost, has_post, has_patch)
     SELECT printf('00000000-0000-4000-8000-%012x', t * 16 + k), id,
       ${dottedSql("start", "id")} || '.' || ${dottedSql("start + k * 5", "printf('00000000-0000-4000-8000-%012x', t * 16 + k)")},
       id, session, 'step-' || k, CASE WHEN k = ${PER_TRACE - 1} AND tier = 'llm' THEN 'llm' ELSE 'chain' END,
       ${isoSql("start + k * 5")}, ${isoSql("start + k * 5 + 4")}, 'success', NULL,
       json_object('text', 'step ' || k || ' of ' || t), json_object('ok', json('true')),
       json_object('metadata', json_object('kind', CASE WHEN k = ${PER_TRACE - 1} AND tier = 'llm' THEN 'llm' ELSE 'code' END,
         'tier', tier, 'confidence', 0.8, 'threshold', 0.7)),
       CASE WHEN k = ${PER_TRACE - 1} AND tier = 'llm' THEN 150 END,
       CASE WHEN k = ${PER_TRACE - 1} AND tier = 'llm' THEN 0.0002 END, 1, 1
     FROM temp.page_traces CROSS JOIN s`,
  );
  // A rating on 5% of the roots.
  db.exec(
    `INSERT INTO feedback (id, run_id, trace_id, session_id, key, score, created_at, modified_at)
     SELECT printf('00000000-0000-4000-9000-%012x', t), id, id, session, 'rating', 1 + (t / 20) % 5,
       ${isoSql("start + 100")}, ${isoSql("start + 100")}
     FROM temp.page_traces WHERE t % 20 = 1`,
  );
  db.exec("DROP TABLE temp.page_traces");
  const n = traces * PER_TRACE;
  // One trace of 50 steps (a root and 49 children).
  const longTrace = randomUUID();
  const start = t0 + span / 2;
  const rootDotted = dotted(start, longTrace);
  insert.run(
    longTrace,
    longTrace,
    rootDotted,
    null,
    sessions[0] as string,
    "long",
    "chain",
    iso(start),
    iso(start + 500),
    "success",
    null,
    JSON.stringify({ ticket: "long" }),
    JSON.stringify({ ok: true }),
    JSON.stringify({ metadata: { chain: "long", version: "1.0.0", status: "done" } }),
    null,
    null,
  );
  for (let s = 1; s < 50; s++) {
    const id = randomUUID();
    const at = start + s * 10;
    insert.run(
      id,
      longTrace,
      `${rootDotted}.${dotted(at, id)}`,
      longTrace,
      sessions[0] as string,
      `step-${s}`,
      "chain",
      iso(at),
      iso(at + 9),
      "success",
      null,
      JSON.stringify({ text: `input of step ${s}`, more: { a: [1, 2, 3] } }),
      JSON.stringify({ text: `output of step ${s}` }),
      JSON.stringify({ metadata: { kind: "code", tier: "rules", confidence: 0.9, threshold: 0.8 } }),
      10,
      0.00001,
    );
  }
  // Raw INSERTs skip RunStore, which keeps the projects' run counts: count them as it would have.
  db.exec("UPDATE sessions SET run_count = (SELECT count(*) FROM runs WHERE runs.session_id = sessions.id)");
  // And the roots' answering tier and Trends' values (migrations 15 and 16), when the database has
  // them already (a database of an older schema gets them from the migrations).
  const columns = db.prepare("SELECT name FROM pragma_table_info('runs')").all();
  if (columns.some((c) => c.name === "answering_tier")) storeAnsweringTiers(db);
  if (columns.some((c) => c.name === "trend_chain")) storeTrendValues(db);
  db.exec("COMMIT");
  db.exec("ANALYZE");
  process.stderr.write(`generated ${n + 50} runs\n`);
  return { longTrace, mid: start };
}

/**
 * The runs page's filters as query strings (after `?project=...&limit=50`): the first page, page
 * 101 (`cursor` is the cursor after 100 pages), and each filter; `mid` is the middle of the span.
 */
export function pageFilterQueries(cursor: string, mid: number): Array<[string, string]> {
  const hour = new Date(mid).toISOString();
  const hourEnd = new Date(mid + 3_600_000).toISOString();
  return [
    ["first page (50 newest root runs)", ""],
    ["page 101 (keyset cursor)", `&cursor=${cursor}`],
    ["status = deferred (5%)", "&status=deferred"],
    ["chain + version", "&chain=triage&version=1.0.0"],
    ["tier = llm + model", "&tier=llm&model=gpt-4o-mini"],
    ["feedback rating >= 4", "&feedback_key=rating&score_min=4"],
    ["time range (1 hour)", `&from=${hour}&to=${hourEnd}`],
  ];
}
