/*
 * A run whose inputs the studio did not keep for their size, on the studio's web page in a real
 * Chromium against a real `catena studio` process (started with CATENA_STUDIO_MAX_BODY_MB=1): the
 * trace shows a notice saying what was dropped and how to keep it, not the marker as inputs.
 */
import { Client, RunTree } from "langsmith";
import { afterAll, describe, expect, it } from "vitest";
import { useStudioPage } from "./support/studio-page-fixture.ts";

// Read by the studio process the fixture starts in its beforeAll.
const saved = process.env.CATENA_STUDIO_MAX_BODY_MB;
process.env.CATENA_STUDIO_MAX_BODY_MB = "1";
afterAll(() => {
  if (saved === undefined) delete process.env.CATENA_STUDIO_MAX_BODY_MB;
  else process.env.CATENA_STUDIO_MAX_BODY_MB = saved;
});
const ui = useStudioPage("studio-page-dropped");

describe("a run stored without its too-large inputs, on the trace page", () => {
  it("shows a 'dropped' notice where the inputs go, and the outputs as usual", async () => {
    const client = new Client({ apiUrl: ui.studio.url, apiKey: "local", webUrl: ui.studio.url });
    const run = new RunTree({
      name: "summarise",
      run_type: "chain",
      project_name: "dropped",
      inputs: { document: "x".repeat(1536 * 1024) },
      client,
    });
    await run.end({ summary: "short" });
    await run.postRun();
    await client.awaitPendingTraceBatches();

    const page = await ui.open(`/o/-/r/${run.id}`, { viewport: { width: 1440, height: 900 } });
    const inputs = page.getByRole("region", { name: "inputs", exact: true });
    const notice = inputs.getByRole("note");
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(
      /^inputs dropped: 1\.5 MB, over the studio's 1\.0 MB limit for one part; start the studio with CATENA_STUDIO_MAX_BODY_MB=16/,
    );
    expect(await notice.isVisible()).toBe(true);
    expect(await inputs.textContent()).not.toContain("catena_dropped");
    const outputs = page.getByRole("region", { name: "outputs", exact: true });
    expect(await outputs.textContent()).toContain("short");
    await page.close();
  });
});
