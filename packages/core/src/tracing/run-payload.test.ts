import { describe, expect, it } from "vitest";
import { runPayload, withEnvironment } from "./run-payload.ts";
import type { RunRecord } from "./run-record.ts";

const ROOT = "20261206T071510123001Z0193a1b2-0000-7000-8000-000000000001";
const CHILD = `${ROOT}.20261206T071510124002Z0193a1b2-0000-7000-8000-000000000002`;
const base = { runtime: { sdk: "langsmith-js" }, metadata: { revision_id: "r1", chain: "env" } };

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    dotted_order: CHILD,
    name: "rules",
    run_type: "parser",
    inputs: { text: "hi" },
    metadata: { kind: "regex" },
    ...over,
  };
}

describe("runPayload", () => {
  it("makes the run create RunTree.postRun would send: ids and start time from the dotted order, inherited metadata, tags and project", () => {
    const trace = withEnvironment(
      { metadata: { chain: "triage", version: "1.0.0" }, tags: ["chain:triage"], project: "p" },
      base,
    );
    const payload = runPayload(record({ end_time: 1_795_820_938_635, outputs: { label: "a" } }), trace, base);
    expect(payload).toEqual({
      kind: "create",
      run: {
        id: "0193a1b2-0000-7000-8000-000000000002",
        parent_run_id: "0193a1b2-0000-7000-8000-000000000001",
        trace_id: "0193a1b2-0000-7000-8000-000000000001",
        dotted_order: CHILD,
        name: "rules",
        run_type: "parser",
        start_time: "2026-12-06T07:15:10.124002Z",
        end_time: 1_795_820_938_635,
        inputs: { text: "hi" },
        outputs: { label: "a" },
        extra: {
          metadata: { revision_id: "r1", chain: "triage", version: "1.0.0", kind: "regex" },
          runtime: { sdk: "langsmith-js" },
        },
        tags: ["chain:triage"],
        session_name: "p",
      },
    });
  });

  it("makes an update without inputs for a run an earlier process sent, and keeps errors and example ids", () => {
    const payload = runPayload(
      record({
        dotted_order: ROOT,
        patch: true,
        error: "boom",
        reference_example_id: "0193a1b2-0000-7000-8000-00000000000e",
      }),
      undefined,
      base,
    );
    expect(payload.kind).toBe("update");
    expect(payload.run).not.toHaveProperty("inputs");
    expect(payload.run).not.toHaveProperty("parent_run_id");
    expect(payload.run).toMatchObject({
      error: "boom",
      reference_example_id: "0193a1b2-0000-7000-8000-00000000000e",
    });
    expect(payload.run.extra).toEqual({
      metadata: { revision_id: "r1", chain: "env", kind: "regex" },
      runtime: base.runtime,
    });
  });
});
