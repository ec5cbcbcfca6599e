import { RunTree } from "langsmith";
import { traceable } from "langsmith/traceable";
import { afterEach, describe, expect, it, vi } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const open = useStudio();
const keyed = useStudio({ apiKey: "studio-secret" });

const html = new TextEncoder().encode("<script>fetch('/runs/query')</script>");

/** Fetches an attachment URL as a browser would, without an API key. */
async function download(url: string): Promise<Response> {
  return fetch(url, { redirect: "manual" });
}

function expectSafeHeaders(response: Response, name: string): void {
  expect(response.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="${name}"`));
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("content-security-policy")).toMatch(/\bsandbox\b/);
}

describe("run attachments sent by the langsmith SDK", () => {
  it("keeps attachments of a RunTree (the SDK picks multipart for them) and serves them as downloads", async () => {
    const client = open.client();
    const run = new RunTree({
      name: "with-file",
      run_type: "chain",
      inputs: { q: "?" },
      project_name: "attach-proj",
      client,
      attachments: {
        page: ["text/html", html],
        bytes: { mimeType: "application/octet-stream", data: new Uint8Array([0, 1, 2, 255]).buffer },
      },
    });
    await run.postRun();
    await run.end({ a: 1 });
    await run.patchRun();
    await client.awaitPendingTraceBatches();

    const page = await fetch(`${open.studio.url}/runs/${run.id}/attachments/page`);
    expect(page.status).toBe(200);
    expect(new Uint8Array(await page.arrayBuffer())).toEqual(html);
    expectSafeHeaders(page, "page");
    const bytes = await fetch(`${open.studio.url}/runs/${run.id}/attachments/bytes`);
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2, 255]));
  });

  it("lists a run's attachments as presigned URLs that work without the API key", async () => {
    const client = keyed.client({ apiKey: "studio-secret" });
    const run = new RunTree({
      name: "with-file",
      run_type: "chain",
      inputs: { q: "?" },
      project_name: "attach-list",
      client,
      attachments: { page: ["text/html", html] },
    });
    await run.postRun();
    await run.end({ a: 1 });
    await run.patchRun();
    await client.awaitPendingTraceBatches();
    const read = await client.runs.retrieve(run.id, {
      project_id: (await client.readProject({ projectName: "attach-list" })).id,
      selects: ["NAME", "ATTACHMENTS"],
    });
    const url = read.attachments?.page ?? "";
    expect(url).toMatch(
      new RegExp(
        `^${keyed.studio.url}/runs/${run.id}/attachments/page\\?expires=\\d+&signature=[0-9a-f]{64}$`,
      ),
    );
    const page = await download(url);
    expect(page.status).toBe(200);
    expect(new Uint8Array(await page.arrayBuffer())).toEqual(html);
    // Without the signature (or with another name under it), the key is needed as before.
    expect((await download(url.split("?")[0] ?? "")).status).toBe(401);
    expect((await download(url.replace("/attachments/page?", "/attachments/other?"))).status).toBe(403);

    // The v1 read (readRun) lists them too, as LangSmith's `s3_urls` keyed `attachment.<name>`.
    const v1 = (await client.readRun(run.id)) as { s3_urls?: Record<string, { presigned_url: string }> };
    const v1Url = v1.s3_urls?.["attachment.page"]?.presigned_url ?? "";
    expect(v1Url).toMatch(/\/attachments\/page\?expires=\d+&signature=[0-9a-f]{64}$/);
    expect(new Uint8Array(await (await download(v1Url)).arrayBuffer())).toEqual(html);
  });

  it("keeps attachments that traceable extracts with extractAttachments", async () => {
    const client = open.client();
    let runId = "";
    const describeImage = traceable(
      async (_image: Uint8Array, prompt: string) => {
        return `${prompt}: ok`;
      },
      {
        name: "describe",
        client,
        project_name: "attach-proj",
        extractAttachments: (image: Uint8Array, prompt: string) => [
          { image: ["image/png", image] },
          { prompt },
        ],
        on_end: (tree) => {
          runId = tree.id;
        },
      },
    );
    expect(await describeImage(new Uint8Array([137, 80, 78, 71]), "what is it")).toBe("what is it: ok");
    await client.awaitPendingTraceBatches();
    const image = await fetch(`${open.studio.url}/runs/${runId}/attachments/image`);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(new Uint8Array([137, 80, 78, 71]));
  });

  it("offers JSON batches only to clients that say they send no attachments", async () => {
    expect((await request(open.studio, "GET", "/info")).body).toMatchObject({
      batch_ingest_config: { use_multipart_endpoint: true },
    });
    const info = await request(open.studio, "GET", "/info", { headers: { "x-catena-ingest": "json" } });
    expect(info.body).toMatchObject({ batch_ingest_config: { use_multipart_endpoint: false } });
  });
});

describe("example attachments", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function exampleWithFile(client: ReturnType<typeof open.client>, name: string) {
    const dataset = await client.createDataset(name);
    const [example] = await client.createExamples([
      { dataset_id: dataset.id, inputs: { q: "?" }, attachments: { page: ["text/html", html] } },
    ]);
    const [listed] = await collect(client.listExamples({ datasetId: dataset.id }));
    return { example: example!, listed: listed! };
  }

  it("gives a signed presigned_url that works without the API key, as a download", async () => {
    const client = keyed.client({ apiKey: "studio-secret" });
    const { example, listed } = await exampleWithFile(client, "files");
    const url = listed.attachments?.page?.presigned_url ?? "";
    expect(url).toMatch(/\/examples\/.+\/attachments\/page\?expires=\d+&signature=[0-9a-f]{64}$/);
    // Absolute, from the studio's own URL: a plain fetch of it works.
    expect(url.startsWith(`${keyed.studio.url}/examples/`)).toBe(true);
    const response = await download(url);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(html);
    expectSafeHeaders(response, "page");
    expect((await client.readExample(example.id)).attachments?.page?.presigned_url).toMatch(/signature=/);

    const forged = url.replace(/signature=[0-9a-f]/, (s) =>
      s.endsWith("0") ? `${s.slice(0, -1)}1` : `${s.slice(0, -1)}0`,
    );
    expect((await download(forged)).status).toBe(403);
    const otherName = url.replace("/attachments/page?", "/attachments/other?");
    expect((await download(otherName)).status).toBe(403);
    expect((await download(url.replace(/\?.*$/, ""))).status).toBe(401);
  });

  it("refuses a presigned_url once it has expired", async () => {
    const client = keyed.client({ apiKey: "studio-secret" });
    const { listed } = await exampleWithFile(client, "files-expiring");
    const url = listed.attachments?.page?.presigned_url ?? "";
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 2 * 60 * 60 * 1000);
    const response = await download(url);
    expect(response.status).toBe(410);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/expired/);
  });
});
