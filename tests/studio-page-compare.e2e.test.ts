/*
 * The studio's compare page when its link names an experiment the studio does not have (deleted,
 * or a link from another studio): the experiments it does have are compared against the first of
 * them, the one the page labels the baseline. Real Chromium, real `catena studio`.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "langsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type TestBrowser } from "./support/chromium.ts";
import { seedTrace } from "./support/seed-studio.ts";
import { type StudioProcess, startStudioProcess } from "./support/studio-process.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-compare-"));
let studio: StudioProcess;
let browser: TestBrowser;
let client: Client;

beforeAll(async () => {
  studio = await startStudioProcess(join(dir, "studio.db"));
  client = new Client({ apiUrl: studio.url, apiKey: "local", autoBatchTracing: false });
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await studio?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the studio's compare page", () => {
  it("compares against the first experiment it has when the link names one it does not", async () => {
    const dataset = await client.createDataset("tickets");
    const examples = await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ ticket: "printer jam" }, { ticket: "refund please" }],
      outputs: [{ label: "hardware" }, { label: "billing" }],
    });
    const sessions: string[] = [];
    for (const [name, labels, scores] of [
      ["baseline", ["hardware", "billing"], [1, 1]],
      ["candidate", ["hardware", "hardware"], [1, 0]],
    ] as const) {
      const session = await client.createProject({ projectName: name, referenceDatasetId: dataset.id });
      sessions.push(session.id);
      for (const [i, example] of examples.entries()) {
        const runId = await seedTrace(client, {
          project: name,
          chain: "triage",
          version: name === "baseline" ? "1.2.0" : "1.3.0",
          status: "done",
          tier: "rules",
          start: new Date(Date.now() - 60_000 + i * 1000),
          inputs: example.inputs,
          outputs: { label: labels[i] },
          steps: [],
          referenceExampleId: example.id,
        });
        await client.createFeedback(runId, "correctness", { score: scores[i] ?? 0 });
      }
    }
    const page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    const selected = [randomUUID(), ...sessions].join(",");
    await page.goto(
      new URL(`/o/local/datasets/${dataset.id}/compare?selectedSessions=${selected}`, studio.url).toString(),
    );
    const table = page.getByRole("table", { name: "Examples compared" });
    await expect.poll(() => table.locator("tbody tr").count()).toBe(2);
    await expect.poll(() => table.locator("thead").textContent()).toContain("baseline (baseline)");
    await expect.poll(() => page.locator("td.regression").count()).toBe(1);
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toContain("1 with a regression against baseline");
    await page.getByText(`Not in this studio, left out: ${selected.split(",")[0]}.`).waitFor();
    await page.close();
  });
});
