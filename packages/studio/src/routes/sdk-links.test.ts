import { RunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

async function page(url: string): Promise<{ status: number; type: string | null }> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return { status: response.status, type: response.headers.get("content-type") };
}

describe("the links the langsmith SDK builds", () => {
  it("open the studio's page when the client is given webUrl (the SDK learns no web URL from the API)", async () => {
    const client = fixture.client({ webUrl: fixture.studio.url });
    const run = new RunTree({ name: "answer", run_type: "chain", inputs: { q: "hours?" }, client });
    await run.end({ a: "9-5" });
    await run.postRun();
    await client.awaitPendingTraceBatches();

    const runUrl = await client.getRunUrl({ runId: run.id });
    expect(runUrl).toMatch(new RegExp(`^${fixture.studio.url}/o/[^/]+/projects/p/[^/]+/r/${run.id}`));
    expect(await page(runUrl)).toEqual({ status: 200, type: expect.stringMatching(/text\/html/) });

    const shared = await client.shareRun(run.id);
    expect(shared).toMatch(new RegExp(`^${fixture.studio.url}/public/[^/]+/r$`));
    expect(await page(shared)).toEqual({ status: 200, type: expect.stringMatching(/text\/html/) });

    const dataset = await client.createDataset("links");
    const schema = await client.shareDataset(dataset.id);
    expect(schema.url).toMatch(new RegExp(`^${fixture.studio.url}/public/[^/]+/d$`));
    expect((await page(schema.url)).status).toBe(200);
  });

  it("without webUrl point at the SDK's default host, with a path the studio serves", async () => {
    // The SDK learns no web URL from the API, so the host is its own default; the path is built
    // from what the studio answered (its tenant, the run's project), and opens the run there.
    const client = fixture.client();
    const run = new RunTree({
      name: "x",
      run_type: "chain",
      inputs: {},
      client,
      project_name: "links-default",
    });
    await run.end({});
    await run.postRun();
    await client.awaitPendingTraceBatches();
    const stored = await client.readRun(run.id);
    const url = new URL(await client.getRunUrl({ run: stored }));
    expect(url.origin).toBe("http://localhost:3000");
    expect(url.pathname).toMatch(new RegExp(`^/o/[^/]+/projects/p/${stored.session_id}/r/${run.id}$`));
    expect(await page(`${fixture.studio.url}${url.pathname}${url.search}`)).toEqual({
      status: 200,
      type: expect.stringMatching(/text\/html/),
    });
  });
});
