/*
 * A web page in a real Chromium attacks a real `catena studio` process started with no API key
 * (the default): cross-site writes (fetch and form POSTs, JSON, text/plain and multipart) and DNS
 * rebinding. None of them may store anything; the langsmith SDK from Node (no Origin) keeps working,
 * and so do the public feedback-token URLs, as in LangSmith.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, RunTree } from "langsmith";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type TestBrowser } from "./support/chromium.ts";
import { type StudioProcess, startStudioProcess } from "./support/studio-process.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-browser-"));
let studio: StudioProcess;
let evil: Server;
let evilPort = 0;
let browser: TestBrowser;

/** The attacker's page: empty HTML on another origin, from which the tests run their scripts. */
function startEvilServer(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>evil</title><p>hi</p>");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  studio = await startStudioProcess(join(dir, "studio.db"));
  evil = await startEvilServer();
  evilPort = (evil.address() as AddressInfo).port;
  // evil.example and rebind.example are the attacker's names; both resolve to this machine.
  browser = await launchChromium([
    "--host-resolver-rules=MAP evil.example 127.0.0.1, MAP rebind.example 127.0.0.1",
  ]);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => evil?.close(resolve));
  await studio?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function sdk(): Client {
  return new Client({ apiUrl: studio.url, apiKey: "local", autoBatchTracing: false });
}

function runBody(project: string): { id: string; post: unknown[] } {
  const id = crypto.randomUUID();
  const run = {
    id,
    trace_id: id,
    dotted_order: `20260101T000000000000Z${id}`,
    name: "planted",
    run_type: "chain",
    start_time: "2026-01-01T00:00:00Z",
    session_name: project,
    inputs: { by: "evil" },
  };
  return { id, post: [run] };
}

/** Statuses of the requests the page sent to the studio, as Chromium received them. */
function studioStatuses(page: Page): Map<string, number> {
  const statuses = new Map<string, number>();
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.port === String(studio.port)) {
      statuses.set(`${response.request().method()} ${url.pathname}`, response.status());
    }
  });
  return statuses;
}

async function storedRuns(project: string): Promise<unknown[]> {
  const response = await fetch(`${studio.url}/runs/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ filter: `eq(name, "planted")` }),
  });
  expect(response.status).toBe(200);
  const { runs } = (await response.json()) as { runs: { session_id: string }[] };
  const sessions = await fetch(`${studio.url}/sessions?name=${encodeURIComponent(project)}`);
  const found = (await sessions.json()) as { id: string }[];
  return runs.filter((r) => found.some((s) => s.id === r.session_id));
}

/** Text for an HTML attribute in single quotes. */
function attr(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("'", "&#39;");
}

async function sessionNamed(name: string): Promise<boolean> {
  const response = await fetch(`${studio.url}/sessions?name=${encodeURIComponent(name)}`);
  return ((await response.json()) as unknown[]).length > 0;
}

describe("a cross-site page against the studio", () => {
  for (const origin of ["127.0.0.1 on another port (same site)", "evil.example (cross site)"]) {
    it(`refuses fetch writes from ${origin}: text/plain, multipart, JSON`, async () => {
      const host = origin.startsWith("evil") ? "evil.example" : "127.0.0.1";
      const page = await browser.context.newPage();
      const statuses = studioStatuses(page);
      await page.goto(`http://${host}:${evilPort}/`);
      const project = `evil-fetch-${host}`;
      const batch = runBody(project);
      const multipartRun = runBody(project);
      const results = await page.evaluate(
        async ({ url, batch, multipartRun, project }) => {
          const outcome = async (p: Promise<Response>) => {
            try {
              return `status ${(await p).status}`;
            } catch (error) {
              return `blocked: ${(error as Error).message}`;
            }
          };
          const form = new FormData();
          const run = multipartRun.post[0] as Record<string, unknown>;
          form.append(
            `post.${multipartRun.id}`,
            new Blob([JSON.stringify(run)], { type: "application/json" }),
          );
          form.append(
            `attachment.${multipartRun.id}.page`,
            new Blob(["<script>alert(1)</script>"], { type: "text/html" }),
          );
          return {
            batch: await outcome(
              fetch(`${url}/runs/batch`, {
                method: "POST",
                headers: { "content-type": "text/plain" },
                body: JSON.stringify({ post: batch.post }),
              }),
            ),
            batchNoCors: await outcome(
              fetch(`${url}/runs/batch`, {
                method: "POST",
                mode: "no-cors",
                body: JSON.stringify({ post: batch.post }),
              }),
            ),
            session: await outcome(
              fetch(`${url}/sessions`, {
                method: "POST",
                mode: "no-cors",
                body: JSON.stringify({ name: project }),
              }),
            ),
            multipart: await outcome(
              fetch(`${url}/runs/multipart`, { method: "POST", mode: "no-cors", body: form }),
            ),
            json: await outcome(
              fetch(`${url}/sessions`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ name: project }),
              }),
            ),
          };
        },
        { url: studio.url, batch, multipartRun, project },
      );
      // The page learns nothing (no CORS), and the studio answered 403 to every request it got.
      expect(results.batch).toMatch(/^blocked/);
      expect(results.json).toMatch(/^blocked/);
      expect(statuses.get("POST /runs/batch")).toBe(403);
      expect(statuses.get("POST /sessions")).toBe(403);
      expect(statuses.get("POST /runs/multipart")).toBe(403);
      expect(await storedRuns(project)).toEqual([]);
      expect(await sessionNamed(project)).toBe(false);
      const attachment = await fetch(`${studio.url}/runs/${multipartRun.id}/attachments/page`);
      expect(attachment.status).toBe(404);
      await page.close();
    });
  }

  it("refuses form POSTs (text/plain JSON trick and multipart) from another site", async () => {
    /** Submits `form` from a fresh page of evil.example; the status of the studio's answer. */
    const submit = async (form: string, path: string): Promise<number> => {
      const page = await browser.context.newPage();
      try {
        await page.goto(`http://evil.example:${evilPort}/`);
        const answered = page.waitForResponse((r) => r.url() === `${studio.url}${path}`);
        await page.setContent(form);
        await page.evaluate("document.forms[0].submit()");
        const status = (await answered).status();
        await page.waitForLoadState();
        return status;
      } finally {
        await page.close();
      }
    };
    const project = "evil-form";
    const batch = runBody(project);
    const json = JSON.stringify({ post: batch.post });
    // The classic trick: a text/plain form whose "name=value" body is valid JSON.
    const textForm =
      `<form method="POST" action="${studio.url}/runs/batch" enctype="text/plain">` +
      `<input name='${attr(`${json.slice(0, -1)}, "x": "`)}' value='"}'></form>`;
    expect(await submit(textForm, "/runs/batch")).toBe(403);
    const multipartRun = runBody(project);
    const multipartForm =
      `<form method="POST" action="${studio.url}/runs/multipart" enctype="multipart/form-data">` +
      `<input name="post.${multipartRun.id}" value='${attr(JSON.stringify(multipartRun.post[0]))}'></form>`;
    expect(await submit(multipartForm, "/runs/multipart")).toBe(403);
    expect(await storedRuns(project)).toEqual([]);
  });

  it("lets a page on the studio's own origin write (the studio's future web page)", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${studio.url}/info`);
    const status = await page.evaluate(async (url) => {
      const response = await fetch(`${url}/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "own-origin" }),
      });
      return response.status;
    }, studio.url);
    expect(status).toBe(201);
    expect(await sessionNamed("own-origin")).toBe(true);
    await page.close();
  });

  it("keeps presigned feedback URLs public: a page elsewhere may post a score with the token", async () => {
    const client = sdk();
    const run = new RunTree({ name: "rated", run_type: "chain", inputs: {}, client, project_name: "rated" });
    await run.postRun();
    const token = await client.createPresignedFeedbackToken(run.id, "thumbs");
    expect(token.url.startsWith(`${studio.url}/`)).toBe(true);
    const page = await browser.context.newPage();
    await page.goto(`http://evil.example:${evilPort}/`);
    const statuses = await page.evaluate(async (url) => {
      const json = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ score: 1 }),
      });
      // As feedbackLink's documentation shows it: no content type, so no CORS preflight either.
      const plain = await fetch(url, { method: "POST", body: JSON.stringify({ score: 0 }) });
      return [json.status, plain.status];
    }, token.url);
    expect(statuses).toEqual([200, 200]);
    const feedback = [];
    for await (const f of client.listFeedback({ runIds: [run.id] })) feedback.push(f);
    expect(feedback.map((f) => [f.key, f.score]).sort()).toEqual([
      ["thumbs", 0],
      ["thumbs", 1],
    ]);
    await page.close();
  });
});

describe("DNS rebinding against the studio", () => {
  it("answers no request for a host name it was not started for, even a same-origin one", async () => {
    const page = await browser.context.newPage();
    // After rebinding, rebind.example points at 127.0.0.1: the attacker's page now shares the
    // studio's origin as far as the browser knows, so only the Host header tells them apart.
    const response = await page.goto(`http://rebind.example:${studio.port}/info`);
    expect(response?.status()).toBe(403);
    expect(await response?.text()).toMatch(/rebind\.example.*--allow-host/s);
    const results = await page.evaluate(async () => {
      const read = await fetch("/sessions");
      const write = await fetch("/sessions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "rebound" }),
      });
      return [read.status, write.status];
    });
    expect(results).toEqual([403, 403]);
    expect(await sessionNamed("rebound")).toBe(false);
    await page.close();
  });
});

describe("the langsmith SDK from Node (no Origin)", () => {
  it("still traces, reads and sends feedback", async () => {
    const client = new Client({ apiUrl: studio.url, apiKey: "local" });
    const run = new RunTree({
      name: "sdk-run",
      run_type: "chain",
      inputs: { q: 1 },
      client,
      project_name: "sdk",
    });
    await run.postRun();
    await run.end({ a: 2 });
    await run.patchRun();
    await client.awaitPendingTraceBatches();
    await client.createFeedback(run.id, "rating", { score: 4 });
    const read = await client.readRun(run.id);
    expect(read.outputs).toEqual({ a: 2 });
    const listed = [];
    for await (const r of client.listRuns({ projectName: "sdk" })) listed.push(r.id);
    expect(listed).toEqual([run.id]);
  });
});
