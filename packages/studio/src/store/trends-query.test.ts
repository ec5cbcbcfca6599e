import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunOperation } from "./run-fields.ts";
import { StudioStore } from "./studio-store.ts";
import { queryTrends } from "./trends-query.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-trends-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A root run as the tracer sends it: created, then ended `ms` later with its metadata. */
function root(
  start: string,
  ms: number,
  metadata: Record<string, unknown>,
  error?: string,
): { id: string; ops: RunOperation[] } {
  const id = randomUUID();
  const end = new Date(Date.parse(start) + ms).toISOString();
  return {
    id,
    ops: [
      {
        kind: "post",
        run: {
          id,
          trace_id: id,
          name: "c",
          run_type: "chain",
          start_time: start,
          session_name: "t",
          inputs: {},
        },
      },
      {
        kind: "patch",
        run: {
          id,
          end_time: end,
          outputs: {},
          ...(error === undefined ? {} : { error }),
          extra: { metadata },
        },
      },
    ],
  };
}

describe("Trends", () => {
  it("counts each day's runs per chain, version and model: errors, ratings, feedback, tiers, cost, latency", () => {
    const store = StudioStore.open(join(dir, "trends.db"));
    const day = "2026-12-01T";
    const runs = [
      root(`${day}10:00:00.000Z`, 100, { chain: "a", version: "1", tier: "rules", cost_usd: 0.5 }),
      root(`${day}10:01:00.000Z`, 300, { chain: "a", version: "1", tier: "llm", ms: 250 }),
      root(`${day}10:02:00.000Z`, 200, { chain: "a", version: "1", tier: "rules" }, "boom"),
      root(`${day}10:03:00.000Z`, 50, { chain: "a", version: "1", tier: "rules", status: "error" }),
      // Another version the same day, and a chain that sorts first though it started last.
      root(`${day}09:00:00.000Z`, 10, { chain: "a", version: "2", tier: "ml" }),
      root(`${day}11:00:00.000Z`, 10, { chain: "0-first", tier: "ml" }),
      root("2026-12-02T08:00:00.000Z", 20, { chain: "a", version: "1", tier: "ml" }),
    ];
    store.transaction(() => store.runs.ingest(runs.flatMap((r) => r.ops)));
    // Two ratings on one run (its mean, 2, counts once), one on another, and a comment.
    const [first, second] = runs;
    store.feedback.create({ run_id: first!.id, key: "rating", score: 1 });
    store.feedback.create({ run_id: first!.id, key: "rating", score: 3 });
    store.feedback.create({ run_id: second!.id, key: "rating", score: 5 });
    store.feedback.create({ run_id: second!.id, key: "note", comment: "fine" });
    const project = store.sessions.list({ name: "t", offset: 0, limit: 1 })[0]?.id ?? "";
    const rows = queryTrends(store.db, { project, days: 7, until: "2026-12-03T00:00:00.000Z" });
    expect(rows.map((r) => [r.day, r.chain, r.version])).toEqual([
      ["2026-12-01", "0-first", null],
      ["2026-12-01", "a", "2"],
      ["2026-12-01", "a", "1"],
      ["2026-12-02", "a", "1"],
    ]);
    const a1 = rows[2]!;
    expect(a1.runs).toBe(4);
    expect(a1.errors).toBe(2);
    expect(a1.error_rate).toBe(0.5);
    expect(a1.mean_rating).toBe(3.5);
    expect(a1.feedback_count).toBe(4);
    // In the order the tiers first answered.
    expect(Object.entries(a1.tiers)).toEqual([
      ["rules", 3],
      ["llm", 1],
    ]);
    expect(a1.llm_share).toBe(0.25);
    expect(a1.cost).toBe(0.5);
    // The tracer's ms when it gave one (250), else end minus start: 50, 100, 200, 250.
    // (julianday() differences are not exact to the millisecond).
    expect(a1.latency_p50_ms).toBeCloseTo(100, 0);
    expect(a1.latency_p95_ms).toBe(250);
    expect(rows[1]).toMatchObject({ runs: 1, mean_rating: null, feedback_count: 0, tiers: { ml: 1 } });
    store.close();
  });
});
