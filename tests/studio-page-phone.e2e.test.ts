/*
 * The studio's page on a phone, where there is no keyboard outside a text field, in a real Chromium
 * against a real `catena studio` process: the annotation queue's rating is saved with a button
 * (it was saved with Enter only).
 */
import { Client } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-phone");
const viewport = { width: 390, height: 844 };
let client: Client;

beforeAll(() => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
});

describe("the studio's page on a phone", () => {
  it("saves a rating in the annotation queue with a tap, and moves to the next item", async () => {
    const runs: string[] = [];
    for (let i = 0; i < 2; i++)
      runs.push(
        await seedTrace(client, {
          project: "phone-queue",
          chain: "triage",
          version: "1.0.0",
          status: "deferred",
          start: new Date(Date.now() - (10 - i) * 1000),
          inputs: { ticket: `ticket ${i}` },
          outputs: { label: "hardware" },
          steps: [],
        }),
      );
    const project = (await client.readProject({ projectName: "phone-queue" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}/queue`, { viewport });
    const current = page.getByRole("region", { name: "Current item" });
    await expect.poll(() => current.textContent()).toContain("ticket 1");
    const save = current.getByRole("button", { name: /^Save/ });
    expect(await save.isDisabled()).toBe(true);
    await current.getByRole("button", { name: "Rate 4" }).click();
    expect(await save.textContent()).toBe("Save 4");
    const box = await save.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(viewport.width);
    await save.click();
    await page.getByRole("status").filter({ hasText: "Rating 4 saved" }).waitFor();
    await expect.poll(() => current.textContent()).toContain("ticket 0");
    const feedback = [];
    for await (const f of client.listFeedback({ runIds: [runs[1] ?? ""] })) feedback.push(f);
    expect(feedback.map((f) => [f.key, f.score])).toEqual([["rating", 4]]);
    await page.close();
  });
});
