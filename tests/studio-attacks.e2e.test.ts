/*
 * Attacks on a real `catena studio` process over 127.0.0.1, as a program on the machine (or a
 * browser a test cannot drive to do it) would send them: foreign Host headers, non-JSON bodies,
 * JSON nested thousands of levels deep, filters too deep or too wide, and a studio started on an
 * address other machines reach without an API key.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Client } from "langsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StudioProcess, startStudioProcess } from "./support/studio-process.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-attacks-"));
let studio: StudioProcess;

beforeAll(async () => {
  studio = await startStudioProcess(join(dir, "studio.db"), ["--allow-host", "studio.lan"]);
});

afterAll(async () => {
  await studio?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw HTTP/1.1 request with the headers exactly as given (fetch would not send any Host). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port: studio.port, method, path, headers, setHost: false },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function post(path: string, body: string, contentType = "application/json") {
  const response = await fetch(`${studio.url}${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed as Record<string, unknown> };
}

/** `{"a": {"a": ... 1}}` nested `depth` levels, as text (JSON.stringify would overflow). */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

function run(project: string, extra: Record<string, string> = {}): { id: string; json: string } {
  const id = crypto.randomUUID();
  const fields = {
    id,
    trace_id: id,
    dotted_order: `20260101T000000000000Z${id}`,
    name: "r",
    run_type: "chain",
    start_time: "2026-01-01T00:00:00Z",
    session_name: project,
  };
  const rawFields = Object.entries(extra)
    .map(([k, v]) => `,"${k}":${v}`)
    .join("");
  return { id, json: `${JSON.stringify(fields).slice(0, -1)}${rawFields}}` };
}

async function query(body: Record<string, unknown>) {
  return post("/runs/query", JSON.stringify(body));
}

async function projectRunIds(project: string, filter?: string): Promise<string[]> {
  const sessions = (await (await fetch(`${studio.url}/sessions?name=${project}`)).json()) as { id: string }[];
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await query({ session: [sessions[0]?.id], filter, cursor });
    expect(page.status).toBe(200);
    const body = page.body as { runs: { id: string }[]; cursors: { next: string | null } };
    ids.push(...body.runs.map((r) => r.id));
    cursor = body.cursors.next;
  } while (cursor !== null);
  return ids.sort();
}

describe("DNS rebinding: the Host header", () => {
  it("answers only the names it was started for", async () => {
    const attacker = await raw("GET", "/info", { host: `attacker.example:${studio.port}` });
    expect(attacker.status).toBe(403);
    expect((attacker.body as { detail: string }).detail).toMatch(/attacker\.example.*--allow-host/s);
    expect((await raw("POST", "/sessions", { host: "attacker.example" }, '{"name":"x"}')).status).toBe(403);
    // No Host at all: Node itself answers 400 to HTTP/1.1 without one; the studio would say 403.
    expect([400, 403]).toContain((await raw("GET", "/info", {})).status);
    for (const host of [
      `127.0.0.1:${studio.port}`,
      `localhost:${studio.port}`,
      `[::1]:${studio.port}`,
      "studio.lan",
    ]) {
      expect((await raw("GET", "/info", { host })).status, host).toBe(200);
    }
  });

  it("builds presigned feedback URLs from the studio's own URL, never from the Host header", async () => {
    const created = await post("/runs/batch", JSON.stringify({ post: [JSON.parse(run("tokens").json)] }));
    expect(created.status).toBe(202);
    const runId = ((await query({ filter: 'eq(name, "r")', limit: 1 })).body as { runs: { id: string }[] })
      .runs[0]?.id;
    const body = JSON.stringify({ run_id: runId, feedback_key: "thumbs" });
    for (const host of [`localhost:${studio.port}`, "studio.lan"]) {
      const token = await raw("POST", "/feedback/tokens", { host, "content-type": "application/json" }, body);
      expect(token.status).toBe(200);
      expect((token.body as { url: string }).url.startsWith(`${studio.url}/feedback/tokens/`)).toBe(true);
    }
  });
});

describe("cross-site writes without a browser", () => {
  it("takes JSON routes only as application/json, and refuses a foreign Origin", async () => {
    const plain = await post("/sessions", JSON.stringify({ name: "plain" }), "text/plain");
    expect(plain.status).toBe(415);
    expect(plain.body.detail).toMatch(/application\/json/);
    const batch = await post(
      "/runs/batch",
      JSON.stringify({ post: [JSON.parse(run("plain").json)] }),
      "text/plain",
    );
    expect(batch.status).toBe(415);
    const origin = await raw(
      "POST",
      "/sessions",
      {
        host: `127.0.0.1:${studio.port}`,
        origin: "https://evil.example",
        "content-type": "application/json",
      },
      '{"name":"from-evil"}',
    );
    expect(origin.status).toBe(403);
    const sessions = (await (await fetch(`${studio.url}/sessions`)).json()) as { name: string }[];
    expect(sessions.map((s) => s.name)).not.toContain("plain");
    expect(sessions.map((s) => s.name)).not.toContain("from-evil");
  });
});

describe("deep JSON", () => {
  it("refuses the one run nested 5,000 deep, stores the 50 others of the batch, logs and counts it", async () => {
    const good = Array.from({ length: 50 }, () => run("deep-batch"));
    const bad = run("deep-batch", { inputs: nested(5000) });
    const body = `{"post":[${[...good.slice(0, 25), bad, ...good.slice(25)].map((r) => r.json).join(",")}]}`;
    const response = await post("/runs/batch", body);
    expect(response.status).toBe(202);
    const refused = response.body.refused as { id: string; detail: string }[];
    expect(refused.map((r) => r.id)).toEqual([bad.id]);
    expect(refused[0]?.detail).toMatch(/"inputs".*deeper than 100 levels.*MAX_JSON_DEPTH/);
    expect(await projectRunIds("deep-batch")).toEqual(good.map((r) => r.id).sort());
    expect(studio.stderr()).toMatch(new RegExp(`refused ${bad.id}.*deeper than 100 levels`));
    const info = (await (await fetch(`${studio.url}/info`)).json()) as {
      catena: { limits: { json_depth: number }; refused: { count: number; recent: { id: string }[] } };
    };
    expect(info.catena.limits.json_depth).toBe(100);
    expect(info.catena.refused.count).toBeGreaterThanOrEqual(1);
    expect(info.catena.refused.recent.map((r) => r.id)).toContain(bad.id);
  });

  it("refuses a deep run in a multipart request too, and stores the rest", async () => {
    const good = run("deep-multipart");
    const bad = run("deep-multipart");
    const boundary = "b0undary";
    const part = (name: string, data: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: application/json\r\n\r\n${data}\r\n`;
    const body =
      part(`post.${good.id}`, good.json) +
      part(`post.${bad.id}`, bad.json) +
      part(`post.${bad.id}.outputs`, nested(5000)) +
      `--${boundary}--\r\n`;
    const response = await post("/runs/multipart", body, `multipart/form-data; boundary=${boundary}`);
    expect(response.status).toBe(202);
    expect((response.body.refused as { id: string }[]).map((r) => r.id)).toEqual([bad.id]);
    expect(await projectRunIds("deep-multipart")).toEqual([good.id]);
  });

  it("refuses deep metadata, so that metadata filters keep working; a single deep run is a 422", async () => {
    const kept = run("deep-meta", { extra: '{"metadata":{"chain":"x"}}' });
    const deep = run("deep-meta", { extra: `{"metadata":{"chain":"x","deep":${nested(1500)}}}` });
    const response = await post("/runs/batch", `{"post":[${kept.json},${deep.json}]}`);
    expect((response.body.refused as { id: string }[]).map((r) => r.id)).toEqual([deep.id]);
    expect(
      await projectRunIds("deep-meta", 'and(eq(metadata_key, "chain"), eq(metadata_value, "x"))'),
    ).toEqual([kept.id]);
    const single = await post("/runs", run("deep-meta", { outputs: nested(101) }).json);
    expect(single.status).toBe(422);
    expect(single.body.detail).toMatch(/"outputs".*deeper than 100 levels/);
    const feedback = await post("/feedback", `{"run_id":"${kept.id}","key":"k","value":${nested(5000)}}`);
    expect(feedback.status).toBe(422);
    expect(feedback.body.detail).toMatch(/deeper than 101 levels/);
    expect((await fetch(`${studio.url}/info`)).status).toBe(200);
  });

  it("keeps metadata filters working over a run stored deep before the limit existed", async () => {
    const kept = run("legacy-meta", { extra: '{"metadata":{"chain":"y"}}' });
    expect((await post("/runs/batch", `{"post":[${kept.json}]}`)).status).toBe(202);
    const db = new DatabaseSync(studio.dbPath);
    try {
      db.prepare("UPDATE runs SET extra = ? WHERE id = ?").run(`{"metadata":${nested(1500)}}`, kept.id);
      const other = run("legacy-meta", { extra: '{"metadata":{"chain":"y"}}' });
      expect((await post("/runs/batch", `{"post":[${other.json}]}`)).status).toBe(202);
      expect(
        await projectRunIds("legacy-meta", 'and(eq(metadata_key, "chain"), eq(metadata_value, "y"))'),
      ).toEqual([other.id]);
      expect(await projectRunIds("legacy-meta", `has(metadata, '{"chain": "y"}')`)).toEqual([other.id]);
    } finally {
      db.close();
    }
  });
});

describe("deep JSON elsewhere: a 422, never a 500", () => {
  it("refuses deep example parts, deep token corrections and deep example metadata queries", async () => {
    const dataset = await post("/datasets", JSON.stringify({ name: "deep-ds" }));
    const datasetId = (dataset.body as { id: string }).id;
    const exampleId = crypto.randomUUID();
    const boundary = "exb0undary";
    const part = (name: string, data: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: application/json\r\n\r\n${data}\r\n`;
    const upload = await post(
      `/v1/platform/datasets/${datasetId}/examples`,
      `${part(exampleId, "{}")}${part(`${exampleId}.inputs`, nested(5000))}--${boundary}--\r\n`,
      `multipart/form-data; boundary=${boundary}`,
    );
    expect(upload.status).toBe(422);
    expect(upload.body.detail).toMatch(/deeper than 101 levels/);

    const target = run("deep-token");
    expect((await post("/runs/batch", `{"post":[${target.json}]}`)).status).toBe(202);
    const token = await post("/feedback/tokens", JSON.stringify({ run_id: target.id, feedback_key: "k" }));
    const tokenUrl = (token.body as { url: string }).url;
    const deepList = encodeURIComponent("[".repeat(1000) + "]".repeat(1000));
    expect((await fetch(`${tokenUrl}?score=1&correction=${deepList}`)).status).toBe(422);
    const metadata = await fetch(`${studio.url}/examples?metadata=${encodeURIComponent(nested(500))}`);
    expect(metadata.status).toBe(422);
  });
});

describe("filters too deep or too wide", () => {
  it("answers 422 saying what to change for and() 2,000 deep, 2,000 wide and in() with 40,000 values", async () => {
    let deep = 'eq(name, "x")';
    for (let i = 0; i < 2000; i++) deep = `and(${deep})`;
    const nestedFilter = await query({ filter: deep });
    expect(nestedFilter.status).toBe(422);
    expect(nestedFilter.body.detail).toMatch(/nested more than 32 deep.*flatten it/);

    const wide = await query({
      filter: `and(${Array.from({ length: 2000 }, () => 'eq(name, "x")').join(", ")})`,
    });
    expect(wide.status).toBe(422);
    expect(wide.body.detail).toMatch(/more than 500 conditions.*in\(field/);

    const values = Array.from({ length: 40_000 }, (_, i) => `"${i}"`).join(",");
    const inFilter = await query({ filter: `in(name, [${values}])` });
    expect(inFilter.status).toBe(422);
    expect(inFilter.body.detail).toMatch(/more than 10000 values.*split the list/);

    // Up to the limits, wide lists work (one bound JSON list, not one SQL variable per value).
    const ok = await query({
      filter: `in(name, [${Array.from({ length: 5000 }, (_, i) => `"${i}"`).join(",")}])`,
    });
    expect(ok.status).toBe(200);
    const ids = await query({ id: Array.from({ length: 40_000 }, () => crypto.randomUUID()) });
    expect(ids.status).toBe(200);
  });

  it("matches failed runs with eq(error, true) and refuses booleans on fields that never hold them", async () => {
    const ok = run("errors");
    const failed = run("errors", { error: '"boom"', end_time: '"2026-01-01T00:00:01Z"' });
    // Some clients send an empty error text on success: that run did not fail.
    const emptyError = run("errors", { error: '""', end_time: '"2026-01-01T00:00:01Z"' });
    const batch = `{"post":[${ok.json},${failed.json},${emptyError.json}]}`;
    expect((await post("/runs/batch", batch)).status).toBe(202);
    const succeeded = [ok.id, emptyError.id].sort();
    expect(await projectRunIds("errors", "eq(error, true)")).toEqual([failed.id]);
    expect((await projectRunIds("errors", "eq(error, false)")).sort()).toEqual(succeeded);
    expect((await projectRunIds("errors", "neq(error, true)")).sort()).toEqual(succeeded);
    const bad = await query({ filter: "eq(name, true)" });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/name never holds true or false/);
  });
});

describe("catena studio --host", () => {
  it("refuses a non-loopback address without an API key and says how to set one", async () => {
    // Through startStudioProcess, which a test can stop: a studio that did start must not outlive it.
    const started = startStudioProcess(join(dir, "open.db"), ["--host", "0.0.0.0"]);
    const outcome = await started.then(
      async (studioProcess) => {
        await studioProcess.stop();
        return "started";
      },
      (error: Error) => error.message,
    );
    expect(outcome).toMatch(/exited with 2 before serving/);
    expect(outcome).toMatch(/without an API key.*CATENA_STUDIO_API_KEY=/s);
  });

  it("serves 0.0.0.0 with an API key, which every request but the token URLs must send", async () => {
    const open = await startStudioProcess(join(dir, "keyed.db"), ["--host", "0.0.0.0"], {
      CATENA_STUDIO_API_KEY: "s3cret",
    });
    try {
      const url = `http://127.0.0.1:${open.port}`;
      expect((await fetch(`${url}/sessions`)).status).toBe(401);
      const client = new Client({ apiUrl: url, apiKey: "s3cret" });
      await client.createProject({ projectName: "keyed" });
      expect(await client.hasProject({ projectName: "keyed" })).toBe(true);
    } finally {
      expect(await open.stop()).toBe(0);
    }
  });
});
