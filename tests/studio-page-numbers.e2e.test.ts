/*
 * The numbers the studio's web page shows, in a real Chromium against a real `catena studio`
 * process: a tier's threshold (`never` for one that never accepts) and each project's run count
 * in the projects list, checked against what the SDK counts.
 */
import { Client } from "langsmith";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-page-numbers");
let client: Client;
const now = new Date();

beforeAll(async () => {
  client = new Client({
    apiUrl: ui.studio.url,
    apiKey: "local",
    webUrl: ui.studio.url,
    autoBatchTracing: false,
  });
  for (let i = 0; i < 3; i++) {
    await seedTrace(client, {
      project: "support",
      chain: "triage",
      version: "1.2.0",
      status: "done",
      tier: "rules",
      start: new Date(now.getTime() - (i + 10) * 60_000),
      inputs: { ticket: `printer jam number ${i}` },
      outputs: { label: "hardware" },
      steps: [{ name: "normalise", kind: "transform", ms: 3, outputs: { text: `printer jam ${i}` } }],
    });
  }
});

function open(path: string): Promise<Page> {
  return ui.open(path, { viewport: { width: 1440, height: 900 } });
}

describe("the numbers on the studio's web page", () => {
  it("shows a tier that never accepts as `never`, next to the usual two-decimal thresholds", async () => {
    const runId = await seedTrace(client, {
      project: "calibrating",
      chain: "intents",
      version: "0.1.0",
      status: "done",
      tier: "llm",
      start: new Date(now.getTime() - 60_000),
      inputs: { text: "where is my card" },
      outputs: { label: "card_arrival" },
      steps: [
        // `catena calibrate` writes NEVER_ACCEPT (2) for a tier that cannot reach the precision.
        {
          name: "rules",
          kind: "cascade",
          ms: 2,
          metadata: { tier: "rules", confidence: 0.55, threshold: 2 },
        },
        {
          name: "linear",
          kind: "cascade",
          ms: 3,
          metadata: { tier: "linear", confidence: 0.74, threshold: 0.7 },
        },
      ],
    });
    const page = await open(`/o/-/r/${runId}`);
    await page.getByRole("heading", { name: "intents@0.1.0" }).waitFor();
    const rules = page.getByRole("button", { name: "Step rules" });
    await expect.poll(() => rules.textContent()).toContain("0.55 / never");
    expect(await page.getByRole("button", { name: "Step linear" }).textContent()).toContain("0.74 / 0.70");
    await rules.click();
    const threshold = page
      .locator("dl.facts")
      .getByText("threshold", { exact: true })
      .locator("xpath=following-sibling::dd[1]");
    await expect.poll(() => threshold.textContent()).toBe("never");
    await page.close();
  });

  it("shows each project's run count in the projects list, as the SDK counts them", async () => {
    const page = await open("/");
    const table = page.getByRole("table", { name: "Projects" });
    await table.getByRole("link", { name: "support" }).waitFor();
    const projects = [];
    for await (const project of client.listProjects()) projects.push(project);
    const shown = new Map<string, string>();
    for (const row of await table.locator("tbody tr").all()) {
      const cells = await row.locator("td").allTextContents();
      shown.set(cells[0] ?? "", cells[1] ?? "");
    }
    const expected = new Map<string, string>();
    for (const project of projects.filter((p) => p.reference_dataset_id == null)) {
      let runs = 0;
      for await (const _ of client.listRuns({ projectId: project.id })) runs++;
      expected.set(project.name ?? "", String(runs));
    }
    expect(expected.get("support")).not.toBe("0");
    expect(shown).toEqual(expected);
    await page.close();
  });
});
