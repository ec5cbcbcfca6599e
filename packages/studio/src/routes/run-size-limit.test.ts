import { randomUUID } from "node:crypto";
import { RunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const limit = 256 * 1024;
const logged: string[] = [];
const fixture = useStudio({ bodyLimitBytes: limit });

describe("a run over the studio's body limit, sent by the langsmith SDK", () => {
  it("is stored with its inputs replaced by a marker that says why, and its update completes it", async () => {
    const warn = console.warn;
    console.warn = (line: unknown) => logged.push(String(line));
    const client = fixture.client();
    const run = new RunTree({
      name: "summarise",
      run_type: "chain",
      inputs: { document: "x".repeat(400 * 1024) },
      metadata: { user: "u1" },
      client,
    });
    try {
      await run.postRun();
      await client.awaitPendingTraceBatches();
      await run.end({ summary: "short" });
      await run.patchRun();
      await client.awaitPendingTraceBatches();
    } finally {
      console.warn = warn;
    }

    const stored = await client.readRun(run.id);
    expect(stored.outputs).toEqual({ summary: "short" });
    expect(stored.inputs).toEqual({
      catena_dropped: expect.stringMatching(
        /^inputs dropped: 40\d KB, over the studio's 256 KB limit for one part; start the studio with CATENA_STUDIO_MAX_BODY_MB=16/,
      ),
    });
    expect(stored.extra?.metadata).toMatchObject({
      user: "u1",
      catena_dropped: stored.inputs?.catena_dropped,
    });
    expect(stored.status).toBe("success");
    // Such runs can be listed, and the studio's log and /info say what happened.
    const marked = await collect(client.listRuns({ filter: 'exists(metadata, "catena_dropped")' }));
    expect(marked.map((r) => r.id)).toEqual([run.id]);
    expect(logged.join("\n")).toMatch(new RegExp(`stored run ${run.id} without what was too large`));
    const info = await request(fixture.studio, "GET", "/info");
    expect(JSON.stringify(info.body)).toContain("inputs dropped");
  });

  it("keeps the other runs of the batch whole", async () => {
    const client = fixture.client();
    const parent = new RunTree({ name: "parent", run_type: "chain", inputs: { q: "small" }, client });
    const big = parent.createChild({
      name: "big",
      run_type: "tool",
      inputs: { blob: "y".repeat(300 * 1024) },
    });
    const small = parent.createChild({ name: "small", run_type: "tool", inputs: { n: 1 } });
    await parent.postRun();
    await small.postRun();
    await big.postRun();
    for (const r of [small, big, parent]) {
      await r.end({ ok: true });
      await r.patchRun();
    }
    await client.awaitPendingTraceBatches();
    expect((await client.readRun(parent.id)).inputs).toEqual({ q: "small" });
    expect((await client.readRun(small.id)).inputs).toEqual({ n: 1 });
    expect((await client.readRun(big.id)).inputs).toHaveProperty("catena_dropped");
    expect((await client.readRun(big.id)).outputs).toEqual({ ok: true });
  });

  it("keeps every run of a batch whose parts pass the limit only together", async () => {
    // An SDK that batches by more than the studio advertises (batchSizeBytesLimit, or an older
    // /info): each part is judged on its own, and a small run after a large one is not lost.
    const client = fixture.client({ batchSizeBytesLimit: 10 * 1024 * 1024 });
    const runs = [
      { name: "large", inputs: { doc: "a".repeat(255 * 1024) } },
      { name: "small", inputs: { n: 1 } },
      { name: "also-large", inputs: { doc: "b".repeat(200 * 1024) } },
    ].map((r) => new RunTree({ ...r, run_type: "chain", client }));
    await Promise.all(runs.map((r) => r.postRun()));
    await client.awaitPendingTraceBatches();
    for (const r of runs) {
      const stored = await client.readRun(r.id);
      expect(stored.inputs).toEqual(r.inputs);
      expect(stored.extra?.metadata?.catena_dropped).toBeUndefined();
    }
  });

  it("never replaces inputs the create stored in full with the marker of an update", async () => {
    const client = fixture.client();
    const first = "m".repeat(150 * 1024);
    const run = new RunTree({ name: "chat", run_type: "chain", inputs: { messages: [first] }, client });
    await run.postRun();
    await client.awaitPendingTraceBatches();
    // The chain grew its inputs while it ran; the SDK's update sends them again when asked to
    // (excludeInputs: false, or LANGSMITH_EXCLUDE_INPUTS_ON_PATCH=false), now too large to keep.
    run.inputs = { messages: [first, "n".repeat(200 * 1024)] };
    await run.end({ answer: "ok" });
    await run.patchRun({ excludeInputs: false });
    await client.awaitPendingTraceBatches();
    const stored = await client.readRun(run.id);
    expect(stored.inputs).toEqual({ messages: [first] });
    expect(stored.outputs).toEqual({ answer: "ok" });
    expect(stored.extra?.metadata?.catena_dropped).toMatch(/^inputs dropped: 3\d\d KB/);
  });

  it("reports a refused run once, as refused, not also as stored without its large parts", async () => {
    const client = fixture.client();
    const id = randomUUID();
    const before = (await request(fixture.studio, "GET", "/info")).body as {
      catena: { refused: { count: number } };
    };
    const lines: string[] = [];
    const warn = console.warn;
    console.warn = (line: unknown) => lines.push(String(line));
    try {
      await client.createRun({
        id,
        name: "bad-order",
        run_type: "chain",
        inputs: { doc: "z".repeat(300 * 1024) },
        trace_id: id,
        dotted_order: `20261206T1015Z${id}`,
      });
      await client.awaitPendingTraceBatches();
    } finally {
      console.warn = warn;
    }
    const about = lines.filter((line) => line.includes(id));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(/refused/);
    const after = (await request(fixture.studio, "GET", "/info")).body as {
      catena: { refused: { count: number } };
    };
    expect(after.catena.refused.count - before.catena.refused.count).toBe(1);
  });

  it("advertises its limit in /info, so the SDK sends smaller batches", async () => {
    const info = await request(fixture.studio, "GET", "/info");
    expect(info.body).toMatchObject({ batch_ingest_config: { size_limit_bytes: limit } });
  });

  it("answers a malformed streamed upload with a 400 and keeps serving on the same connections", async () => {
    const garbage = new TextEncoder().encode(`--b\r\nno headers here\r\n${"q".repeat(300_000)}`);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(garbage.subarray(0, 1000));
        controller.enqueue(garbage.subarray(1000));
        controller.close();
      },
    });
    const bad = await request(fixture.studio, "POST", "/runs/multipart", {
      body: stream,
      headers: { "content-type": "multipart/form-data; boundary=b" },
      duplex: "half",
    } as RequestInit);
    expect(bad.status).toBe(400);
    for (let i = 0; i < 3; i++) {
      expect((await request(fixture.studio, "GET", "/info")).status).toBe(200);
    }
  });

  it("refuses a JSON batch over the limit with the studio's JSON error, which the SDK prints, and logs the lost runs", async () => {
    // The SDK's /runs/batch path (what Catena's tracer asks for with x-catena-ingest: json, and
    // what SDKs before multipart use): a batch is refused whole, so its runs are lost.
    const client = fixture.client({ headers: { "x-catena-ingest": "json" } });
    const printed: string[] = [];
    const saved = { error: console.error, warn: console.warn };
    console.error = (...args: unknown[]) => printed.push(args.map(String).join(" "));
    console.warn = (line: unknown) => logged.push(String(line));
    const before = logged.length;
    const big = new RunTree({
      name: "json-big",
      run_type: "chain",
      inputs: { doc: "z".repeat(400 * 1024) },
      client,
    });
    try {
      await big.postRun();
      await client.awaitPendingTraceBatches();
    } finally {
      console.error = saved.error;
      console.warn = saved.warn;
    }
    // The SDK (0.12) logs "Error exporting batch:" with the status and the body: no exception
    // reaches the traced code, no retry, and the run is not stored.
    const sdkLine = printed.find((line) => line.includes("Error exporting batch"));
    expect(sdkLine).toMatch(/Failed to batch create run\. Received status \[413\]/);
    const body = JSON.parse(sdkLine!.slice(sdkLine!.indexOf("Message: ") + "Message: ".length)) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({
      code: "body-too-large",
      limit_bytes: limit,
      limit_mb: 0.25,
      setting: "CATENA_STUDIO_MAX_BODY_MB",
      content_length: expect.any(Number),
    });
    expect(body.detail).toMatch(
      /^POST \/runs\/batch sent a body of 0\.4 MiB, over the studio's limit of 0\.25 MiB \(262144 bytes\); nothing of it was stored\. .*CATENA_STUDIO_MAX_BODY_MB=16/,
    );
    await expect(client.readRun(big.id)).rejects.toThrow(/404/);
    expect(logged.slice(before).join("\n")).toMatch(
      /catena studio: refused the whole request, its runs were not stored: POST \/runs\/batch sent a body/,
    );
    const info = (await request(fixture.studio, "GET", "/info")).body as {
      catena: { refused: { recent: Array<{ route: string; id: string }> } };
    };
    expect(info.catena.refused.recent.at(-1)).toMatchObject({ route: "POST /runs/batch", id: "" });
  });
});
