import { gzipSync } from "node:zlib";
import { RunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { collect, multipartBody, request, useStudio } from "./studio-fixture.case.ts";

const fixture = useStudio({ bodyLimitBytes: 64 * 1024 });

const json = { "content-type": "application/json" };

function runJson(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: "r",
    run_type: "chain",
    trace_id: id,
    dotted_order: `20260101T000000000000Z${id}`,
    start_time: "2026-01-01T00:00:00.000000Z",
    session_name: "raw",
    ...extra,
  };
}

async function stillServing(): Promise<void> {
  const info = await request(fixture.studio, "GET", "/info");
  expect(info.status).toBe(200);
}

async function expectDetail(
  response: Promise<{ status: number; body: unknown }>,
  status: number,
  pattern: RegExp,
): Promise<void> {
  const { status: got, body } = await response;
  expect({ status: got, detail: (body as { detail?: string }).detail }).toMatchObject({
    status,
    detail: expect.stringMatching(pattern),
  });
  await stillServing();
}

describe("the studio over raw HTTP", () => {
  it("answers /info with the minimal body the SDK needs, also under /api/v1", async () => {
    const info = await request(fixture.studio, "GET", "/info");
    expect(info.body).toEqual({
      version: "0.18.0",
      // The SDK's 20 MiB, or the studio's body limit (64 KiB here) when smaller.
      batch_ingest_config: { use_multipart_endpoint: true, size_limit: 100, size_limit_bytes: 64 * 1024 },
      instance_flags: { dataset_examples_multipart_enabled: true },
      catena: { limits: { json_depth: 100 }, refused: { count: 0, recent: [] } },
    });
    expect((await request(fixture.studio, "GET", "/api/v1/info")).body).toEqual(info.body);
  });

  it("keeps a patch that arrives before its post and applies it; the same post twice is one run", async () => {
    const id = crypto.randomUUID();
    const patch = multipartBody([
      { name: `patch.${id}`, json: runJson(id, { end_time: "2026-01-01T00:00:02.5Z" }) },
      { name: `patch.${id}.outputs`, json: { answer: 42 } },
    ]);
    expect((await request(fixture.studio, "POST", "/runs/multipart", patch)).status).toBe(202);
    const post = multipartBody([
      { name: `post.${id}`, json: runJson(id, { end_time: null }) },
      { name: `post.${id}.inputs`, json: { question: "?" } },
    ]);
    expect((await request(fixture.studio, "POST", "/runs/multipart", post)).status).toBe(202);
    expect((await request(fixture.studio, "POST", "/runs/multipart", post)).status).toBe(202);
    const run = await request(fixture.studio, "GET", `/runs/${id}`);
    expect(run.body).toMatchObject({
      id,
      inputs: { question: "?" },
      outputs: { answer: 42 },
      end_time: "2026-01-01T00:00:02.500000Z",
      status: "success",
    });
    const listed = await request(fixture.studio, "POST", "/runs/query", {
      body: JSON.stringify({ id: [id] }),
      headers: json,
    });
    expect((listed.body as { runs: unknown[] }).runs).toHaveLength(1);
  });

  it("dates an update whose create never came by its dotted order, not by when it arrived", async () => {
    const id = crypto.randomUUID();
    const { start_time: _, ...patch } = runJson(id, { end_time: "2026-01-01T00:00:05Z" });
    const sent = multipartBody([{ name: `patch.${id}`, json: patch }]);
    expect((await request(fixture.studio, "POST", "/runs/multipart", sent)).status).toBe(202);
    expect((await request(fixture.studio, "GET", `/runs/${id}`)).body).toMatchObject({
      start_time: "2026-01-01T00:00:00.000000Z",
      end_time: "2026-01-01T00:00:05.000000Z",
    });
    // Without a dotted order, a run cannot start after it ended.
    const bare = crypto.randomUUID();
    const patched = await request(fixture.studio, "PATCH", `/runs/${bare}`, {
      body: JSON.stringify({ end_time: "2026-01-01T00:00:07Z" }),
      headers: json,
    });
    expect(patched.status).toBe(202);
    expect((await request(fixture.studio, "GET", `/runs/${bare}`)).body).toMatchObject({
      start_time: "2026-01-01T00:00:07.000000Z",
    });
  });

  it("accepts end_time as epoch milliseconds", async () => {
    const id = crypto.randomUUID();
    const body = { post: [runJson(id, { end_time: Date.UTC(2026, 0, 1, 0, 0, 3) })] };
    expect(
      (await request(fixture.studio, "POST", "/runs/batch", { body: JSON.stringify(body), headers: json }))
        .status,
    ).toBe(202);
    expect((await request(fixture.studio, "GET", `/runs/${id}`)).body).toMatchObject({
      end_time: "2026-01-01T00:00:03.000000Z",
    });
  });

  it("refuses a compressed body with a 415 that says so, not as malformed multipart or JSON", async () => {
    const id = crypto.randomUUID();
    const { body, headers } = multipartBody([
      { name: `post.${id}`, json: { name: "gz", run_type: "chain" } },
    ]);
    const gzipped = gzipSync(body);
    for (const encoding of ["gzip", "zstd"]) {
      await expectDetail(
        request(fixture.studio, "POST", "/runs/multipart", {
          body: gzipped,
          headers: { ...headers, "content-encoding": encoding },
        }),
        415,
        new RegExp(`^Content-Encoding ${encoding} is not accepted: send the body uncompressed`),
      );
    }
    await expectDetail(
      request(fixture.studio, "POST", "/runs/batch", {
        body: gzipSync(JSON.stringify({ post: [runJson(id)] })),
        headers: { ...json, "content-encoding": "gzip" },
      }),
      415,
      /^Content-Encoding gzip is not accepted/,
    );
    // "identity" is no encoding at all.
    const plain = await request(fixture.studio, "POST", "/runs/batch", {
      body: JSON.stringify({ post: [runJson(id)] }),
      headers: { ...json, "content-encoding": "identity" },
    });
    expect(plain.status).toBe(202);
  });

  it("refuses malformed input with a 4xx and a detail, and keeps serving", async () => {
    const id = crypto.randomUUID();
    await expectDetail(
      request(fixture.studio, "POST", "/runs/multipart", {
        body: '--xyz\r\nContent-Disposition: form-data; name="post.1"\r\n\r\n{',
        headers: { "content-type": "multipart/form-data; boundary=xyz" },
      }),
      400,
      /Malformed multipart/,
    );
    await expectDetail(
      request(fixture.studio, "POST", "/runs/multipart", { body: "{}", headers: json }),
      415,
      /multipart\/form-data/,
    );
    await expectDetail(
      request(
        fixture.studio,
        "POST",
        "/runs/multipart",
        multipartBody([{ name: `post.${id}`, raw: "{not json" }]),
      ),
      422,
      /is not valid JSON/,
    );
    await expectDetail(
      request(
        fixture.studio,
        "POST",
        "/runs/multipart",
        multipartBody([{ name: `post.${id}.inputs`, json: {} }]),
      ),
      422,
      /without the part/,
    );
    await expectDetail(
      request(
        fixture.studio,
        "POST",
        "/runs/multipart",
        multipartBody([{ name: `post.${id}`, json: { id } }]),
      ),
      422,
      /needs "name" and "run_type"/,
    );
    await expectDetail(
      request(fixture.studio, "POST", "/runs/multipart", multipartBody([{ name: "bogus.part", json: {} }])),
      422,
      /Unknown part/,
    );
    await expectDetail(
      request(fixture.studio, "POST", "/runs/batch", { body: '{"post": [', headers: json }),
      400,
      /not valid JSON/,
    );
    await expectDetail(
      request(fixture.studio, "POST", "/runs/batch", {
        body: JSON.stringify({ post: [{ name: "x" }] }),
        headers: json,
      }),
      422,
      /"id" must be a UUID/,
    );
    await expectDetail(
      request(fixture.studio, "POST", "/runs/batch", {
        body: JSON.stringify({ post: [runJson(id, { end_time: "yesterday" })] }),
        headers: json,
      }),
      422,
      /is not a timestamp/,
    );
    await expectDetail(
      request(fixture.studio, "POST", "/feedback", { body: JSON.stringify({ run_id: id }), headers: json }),
      422,
      /"key" is required/,
    );
    await expectDetail(request(fixture.studio, "GET", `/runs/${crypto.randomUUID()}`), 404, /not found/);
    await expectDetail(request(fixture.studio, "GET", "/runs/not-a-uuid"), 404, /not found/);
    await expectDetail(
      request(fixture.studio, "PATCH", `/feedback/${crypto.randomUUID()}`, { body: "{}", headers: json }),
      404,
      /not found/,
    );
    await expectDetail(request(fixture.studio, "GET", "/nowhere"), 404, /No endpoint GET \/nowhere/);
    await expectDetail(
      request(fixture.studio, "POST", "/runs/batch", {
        body: JSON.stringify({ post: [runJson(id, { inputs: "x".repeat(70_000) })] }),
        headers: json,
      }),
      413,
      /over the studio's limit of .* MiB .*CATENA_STUDIO_MAX_BODY_MB=/,
    );
    // An oversize body sent chunked (no content-length), as the SDK streams. (A trace upload,
    // /runs/multipart, keeps its runs instead: see run-size-limit.test.ts.)
    const big = new TextEncoder().encode(JSON.stringify(runJson(id, { inputs: "x".repeat(70_000) })));
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(big);
        controller.close();
      },
    });
    await expectDetail(
      request(fixture.studio, "POST", "/runs", {
        body: stream,
        headers: json,
        duplex: "half",
      } as RequestInit),
      413,
      /over the studio's limit of .* MiB .*CATENA_STUDIO_MAX_BODY_MB=/,
    );
  });

  it("closes the connection after a 413, so that the client's next request does not land on it", async () => {
    const tooLarge = await request(fixture.studio, "POST", "/runs/batch", {
      body: JSON.stringify({ post: [runJson(crypto.randomUUID(), { inputs: "x".repeat(2_000_000) })] }),
      headers: json,
    });
    expect(tooLarge.status).toBe(413);
    // Before, the first of these took the half-read connection back from the pool and failed
    // with "other side closed" (the SDK's next batch would have, too).
    for (let i = 0; i < 3; i++) {
      const created = await request(fixture.studio, "POST", "/sessions", {
        body: JSON.stringify({ name: `after-413-${i}` }),
        headers: json,
      });
      expect(created.status).toBe(201);
    }
  });

  it("keeps the text after a NUL character in names, errors, tags and feedback (read back cut before)", async () => {
    const client = fixture.client();
    const run = new RunTree({
      name: "lookup\u0000v2",
      run_type: "tool",
      inputs: { q: "a\u0000b" },
      tags: ["t\u0000x"],
      project_name: "nul\u0000project",
      client,
    });
    await run.postRun();
    await run.end(undefined, "boom\u0000details");
    await run.patchRun();
    await client.awaitPendingTraceBatches();
    const stored = await client.readRun(run.id);
    expect(stored).toMatchObject({
      name: "lookup\uFFFDv2",
      error: "boom\uFFFDdetails",
      tags: ["t\uFFFDx"],
      inputs: { q: "a\uFFFDb" },
    });
    // The project is its own, not merged into one named "nul".
    expect((await client.readProject({ projectName: "nul\uFFFDproject" })).id).toBe(stored.session_id);
    expect(await client.hasProject({ projectName: "nul" })).toBe(false);
    const feedback = await client.createFeedback(run.id, "note", { comment: "ok\u0000then" });
    expect((await client.readFeedback(feedback.id)).comment).toBe("ok\uFFFDthen");

    // In a query a NUL means what it means in a body: the SDK's lookups by name find the project
    // and list its runs by a filter that holds one, and a full-text search with one is no 500
    // (SQLite's MATCH failed with "unterminated string" on it).
    expect((await client.readProject({ projectName: "nul\u0000project" })).id).toBe(stored.session_id);
    const byFilter = await collect(
      client.listRuns({ projectName: "nul\u0000project", filter: 'eq(name, "lookup\u0000v2")' }),
    );
    expect(byFilter.map((r) => r.id)).toEqual([run.id]);
    const searched = await request(
      fixture.studio,
      "GET",
      `/catena/runs?project=${stored.session_id}&q=${encodeURIComponent("lookup\u0000v2")}`,
    );
    expect(searched).toMatchObject({ status: 200, body: { runs: [] } });
    expect(await client.hasDataset({ datasetName: "nul\u0000data" })).toBe(false);
  });
});
