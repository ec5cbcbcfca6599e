/*
 * The studio's web page when things go wrong for a reviewer: the studio goes away mid-session
 * (stopped, then started again on the same port), so a correction or comment whose save failed
 * must survive for a second try and a table must not show rows of filters it could not load; and
 * a long unicode input is previewed without cutting a character. Real Chromium, real `catena studio`.
 */
import { Client } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-robustness");
let client: Client;
let projectId = "";
let runId = "";

beforeAll(async () => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
  runId = await seedTrace(client, {
    project: "restart",
    chain: "triage",
    version: "1.0.0",
    status: "done",
    tier: "rules",
    start: new Date(Date.now() - 60_000),
    inputs: { ticket: "printer on fire" },
    outputs: { label: "hardware" },
    steps: [{ name: "normalise", kind: "transform", ms: 2, outputs: { text: "printer on fire" } }],
  });
  projectId = (await client.readProject({ projectName: "restart" })).id;
});

async function feedbackOf(run: string) {
  const all = [];
  for await (const f of client.listFeedback({ runIds: [run] })) all.push(f);
  return all;
}

describe("the studio's web page across a studio restart", () => {
  it("keeps a correction and a comment whose save failed, and saves them once the studio is back", async () => {
    const page = await ui.open(`/o/local/projects/p/${projectId}/r/${runId}`);
    await page.getByRole("button", { name: "Correct the output" }).click();
    await page.getByLabel("Corrected output").fill('{"label": "facilities"}');
    await page.getByLabel("Comment").fill("the printer is a fire hazard, not hardware");

    const port = ui.studio.port;
    await ui.stop();
    await page.getByRole("button", { name: "Save correction" }).click();
    await page.getByRole("status").waitFor();
    // The save failed: the editor is still open with what the reviewer wrote.
    await expect.poll(() => page.getByLabel("Corrected output").inputValue()).toBe('{"label": "facilities"}');
    await page.getByRole("button", { name: "Save comment" }).click();
    await expect
      .poll(() => page.getByLabel("Comment").inputValue())
      .toBe("the printer is a fire hazard, not hardware");

    expect((await ui.start()).port).toBe(port);
    client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
    await page.getByRole("button", { name: "Save correction" }).click();
    await page.getByRole("status").filter({ hasText: "Correction saved." }).waitFor();
    await page.getByRole("button", { name: "Save comment" }).click();
    await page.getByRole("status").filter({ hasText: "Comment saved." }).waitFor();
    expect(await page.getByLabel("Comment").inputValue()).toBe("");

    const feedback = await feedbackOf(runId);
    expect(feedback.find((f) => f.key === "correction")?.correction).toEqual({ label: "facilities" });
    expect(feedback.find((f) => f.key === "comment")?.comment).toBe(
      "the printer is a fire hazard, not hardware",
    );
    await page.close();
  });

  it("shows no rows of the old filters when the new filters' rows cannot be loaded", async () => {
    const page = await ui.open(`/o/local/projects/p/${projectId}`);
    const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(1);

    await ui.stop();
    await page.getByLabel("Search inputs and outputs").fill("no such ticket");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByRole("alert").waitFor();
    // The printer run does not match the search: it must not stay in the table under it.
    expect(await rows.count()).toBe(0);

    await ui.start();
    await page.reload();
    await page.getByText("No runs match these filters.").waitFor();
    expect(await rows.count()).toBe(0);
    await page.close();
  });

  it("cuts a long unicode input's preview between characters, not inside one", async () => {
    const ticket = `x${"🙂".repeat(300)}`;
    const run = await seedTrace(client, {
      project: "emoji",
      chain: "triage",
      version: "1.0.0",
      status: "done",
      tier: "rules",
      start: new Date(Date.now() - 30_000),
      inputs: { ticket },
      outputs: { label: "happy" },
      steps: [],
    });
    const project = (await client.readProject({ projectName: "emoji" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}`);
    const cell = page.getByRole("table", { name: "Runs" }).locator("tbody tr td.preview").first();
    await expect.poll(() => cell.textContent()).toContain("🙂");
    const text = (await cell.textContent()) ?? "";
    expect(text.endsWith("…")).toBe(true);
    // No half of a surrogate pair (it shows as a replacement box).
    expect(text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    // The whole input is still there in the trace.
    await page.getByRole("link", { name: `Open trace ${run}` }).click();
    await expect
      .poll(() => page.getByRole("region", { name: "inputs" }).first().textContent())
      .toContain(ticket);
    await page.close();
  });

  it("in the annotation queue, picking another item with the mouse starts afresh: no correction or rating of the item before", async () => {
    const runs: string[] = [];
    for (const [i, label] of ["alpha", "beta"].entries()) {
      runs.push(
        await seedTrace(client, {
          project: "queue-mouse",
          chain: "triage",
          version: "1.0.0",
          status: "deferred",
          start: new Date(Date.now() - (10 - i) * 1000),
          inputs: { ticket: `ticket ${label}` },
          outputs: { label },
          steps: [],
        }),
      );
    }
    const project = (await client.readProject({ projectName: "queue-mouse" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}/queue`);
    const items = page.getByRole("list", { name: "Queue items" }).getByRole("button");
    await expect.poll(() => items.count()).toBe(2);
    const current = page.getByRole("region", { name: "Current item" });
    const first = (await current.getByRole("region", { name: "outputs" }).textContent()) ?? "";
    await page.keyboard.press("3");
    await page.keyboard.press("e");
    await page.getByLabel("Corrected output").fill('{"label": "edited for the first item"}');
    await items.nth(1).click();
    await expect.poll(() => current.getByRole("region", { name: "outputs" }).textContent()).not.toBe(first);
    // The editor of the first item is gone (or shows the second's output), and no rating is picked.
    const editors = page.getByLabel("Corrected output");
    if ((await editors.count()) > 0)
      expect(await editors.inputValue()).not.toContain("edited for the first item");
    await expect.poll(() => current.textContent()).toContain("pick a rating");
    await page.close();
  });

  it("shows a fix only when the error names one, not the thrown message of a failed code step", async () => {
    const run = await seedTrace(client, {
      project: "errors",
      chain: "triage",
      version: "1.0.0",
      status: "error",
      start: new Date(Date.now() - 20_000),
      inputs: { ticket: "boom" },
      outputs: {},
      steps: [
        {
          name: "pick",
          kind: "code",
          ms: 1,
          error:
            'StepError [STEP_FAILED]: Step "pick" (code) failed: pick exploded\ncaused by: Error: pick exploded',
          metadata: { error_code: "STEP_FAILED" },
        },
        {
          name: "rules",
          kind: "regex",
          ms: 1,
          error:
            'StepError [STEP_FAILED]: Step "rules" (regex) failed: rule 2 has no label: give each rule a label',
          metadata: { error_code: "STEP_FAILED" },
        },
      ],
    });
    const project = (await client.readProject({ projectName: "errors" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}/r/${run}`);
    await page.getByRole("button", { name: "Step pick" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "STEP_FAILED" });
    await expect.poll(() => alert.textContent()).toContain("pick exploded");
    expect(await alert.textContent()).not.toContain("Fix:");
    await page.getByRole("button", { name: "Step rules" }).click();
    await expect.poll(() => alert.textContent()).toContain("Fix: give each rule a label");
    await page.close();
  });
});
