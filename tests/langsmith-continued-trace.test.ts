/*
 * A trace continued from a bare parent id: `new RunTree({ parent_run_id })` without `parent_run`
 * (the id passed through a queue message, say). The SDKs then send a one-segment dotted_order, their
 * own id as trace_id, and the parent's id as parent_run_id, on the post and on the patch. LangSmith
 * refuses that; the studio stores it (a local studio must not lose a user's runs), on every route
 * the SDKs send runs by.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningStudio, startStudio } from "@catena/studio";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { langsmithSdks } from "./support/langsmith-sdks.ts";

let dir: string;
let studio: RunningStudio;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-continued-trace-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
});

afterAll(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// 0.3 and the current SDK. 0.1 sends no parent_run_id without a parent_run: its child is a root.
const continuing = langsmithSdks.filter((sdk) => !sdk.version.startsWith("0.1."));

describe.each(continuing)("langsmith $version continuing a trace from a parent id", (sdk) => {
  it.each([
    { batched: false, routes: "POST /runs and PATCH /runs/{id}" },
    { batched: true, routes: "its batch ingest (multipart or /runs/batch)" },
  ])("stores the child with its parent_run_id through $routes", async ({ batched }) => {
    const logged: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    });
    const error = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    });
    try {
      const client = new sdk.Client({ apiUrl: studio.url, apiKey: "x", autoBatchTracing: batched });
      const project = `continued-${randomUUID().slice(0, 8)}`;
      const parent = new sdk.RunTree({
        name: "parent",
        run_type: "chain",
        inputs: {},
        client,
        project_name: project,
      });
      await parent.postRun();
      const child = new sdk.RunTree({
        name: "child",
        run_type: "llm",
        inputs: { q: 1 },
        client,
        project_name: project,
        parent_run_id: parent.id,
      });
      // The pattern under test, as the SDK builds it.
      expect(child.dotted_order?.split(".")).toHaveLength(1);
      await child.postRun();
      await child.end({ a: 1 });
      await child.patchRun();
      await client.awaitPendingTraceBatches();

      const stored = await client.readRun(child.id);
      expect(stored).toMatchObject({
        id: child.id,
        name: "child",
        parent_run_id: parent.id,
        outputs: { a: 1 },
      });
      expect(stored.end_time).toBeTruthy();
      expect(logged.filter((line) => !/deprecat/i.test(line))).toEqual([]);
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  });
});

describe("POST /runs/batch with a trace continued from a parent id", () => {
  it("stores the post and the patch, and refuses nothing", async () => {
    const parent = randomUUID();
    const child = randomUUID();
    const dotted = `20261206T101500123456Z${child}`;
    const fields = { trace_id: child, dotted_order: dotted, parent_run_id: parent };
    const answer = await fetch(`${studio.url}/runs/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        post: [
          { id: child, name: "child", run_type: "tool", inputs: {}, session_name: "continued", ...fields },
        ],
        patch: [{ id: child, outputs: { ok: true }, end_time: "2026-12-06T10:15:01.000000Z", ...fields }],
      }),
    });
    expect(answer.status).toBe(202);
    expect(((await answer.json()) as { refused?: unknown[] }).refused ?? []).toEqual([]);
    const run = (await (await fetch(`${studio.url}/runs/${child}`)).json()) as Record<string, unknown>;
    expect(run).toMatchObject({ id: child, parent_run_id: parent, trace_id: child, outputs: { ok: true } });
  });
});
