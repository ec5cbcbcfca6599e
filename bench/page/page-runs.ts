// The runs of the studio page benchmarks (page.bench.ts, search.bench.ts), written straight into
// SQLite: traces of a root and 9 steps, 70% in the first project, Catena's metadata on each root,
// a rating on 5% of roots, and one trace of 50 steps.
import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";

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
 * is the queried one, with 70% of the traces); returns the long trace and the middle of the time span.
 */
export function writePageRuns(
  db: DatabaseSync,
  sessions: readonly string[],
  runs: number,
): { longTrace: string; mid: number } {
  const insert = db.prepare(
    `INSERT INTO runs (id, trace_id, dotted_order, parent_run_id, session_id, name, run_type, start_time, end_time,
       status, error, inputs, outputs, extra, total_tokens, total_cost, has_post, has_patch)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)`,
  );
  const feedback = db.prepare(
    "INSERT INTO feedback (id, run_id, trace_id, session_id, key, score, created_at, modified_at) VALUES (?, ?, ?, ?, 'rating', ?, ?, ?)",
  );
  const traces = Math.floor(runs / PER_TRACE);
  const t0 = Date.parse("2026-11-01T00:00:00Z");
  const span = 30 * 86_400_000;
  let n = 0;
  db.exec("BEGIN");
  for (let t = 0; t < traces; t++) {
    const session = (t % 10 < 7 ? sessions[0] : sessions[1 + (t % 3)]) as string;
    const start = t0 + Math.floor((t / traces) * span);
    const rootId = randomUUID();
    const rootDotted = dotted(start, rootId);
    const chain = CHAINS[t % 3] as string;
    const tier = TIERS[(t >> 2) % 3] as string;
    const status = t % 20 === 0 ? "deferred" : t % 33 === 0 ? "error" : "done";
    const word = WORDS[t % WORDS.length];
    const rootMeta = {
      chain,
      version: t % 2 === 0 ? "1.0.0" : "1.1.0",
      fingerprint: `fp-${chain}`,
      status,
      tier,
      ...(tier === "llm" ? { model: "gpt-4o-mini" } : {}),
      confidence: 0.7 + (t % 30) / 100,
      ms: 5 + (t % 50),
    };
    insert.run(
      rootId,
      rootId,
      rootDotted,
      null,
      session,
      chain,
      "chain",
      iso(start),
      iso(start + 60),
      status === "error" ? "error" : "success",
      status === "error" ? "VALIDATION: label not allowed: fix the prompt" : null,
      JSON.stringify({ ticket: `my ${word} broke, order ${t}` }),
      JSON.stringify({ label: word, confidence: rootMeta.confidence }),
      JSON.stringify({ metadata: rootMeta }),
      null,
      null,
    );
    n++;
    for (let s = 1; s < PER_TRACE; s++) {
      const id = randomUUID();
      const at = start + s * 5;
      const llm = s === PER_TRACE - 1 && tier === "llm";
      insert.run(
        id,
        rootId,
        `${rootDotted}.${dotted(at, id)}`,
        rootId,
        session,
        `step-${s}`,
        llm ? "llm" : "chain",
        iso(at),
        iso(at + 4),
        "success",
        null,
        JSON.stringify({ text: `step ${s} of ${t}` }),
        JSON.stringify({ ok: true }),
        JSON.stringify({ metadata: { kind: llm ? "llm" : "code", tier, confidence: 0.8, threshold: 0.7 } }),
        llm ? 150 : null,
        llm ? 0.0002 : null,
      );
      n++;
    }
    if (t % 20 === 1)
      feedback.run(
        randomUUID(),
        rootId,
        rootId,
        session,
        1 + (Math.floor(t / 20) % 5),
        iso(start + 100),
        iso(start + 100),
      );
    if (t % 1000 === 999) {
      db.exec("COMMIT");
      db.exec("BEGIN");
    }
  }
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
  db.exec("COMMIT");
  db.exec("ANALYZE");
  process.stderr.write(`generated ${n + 50} runs\n`);
  return { longTrace, mid: start };
}
