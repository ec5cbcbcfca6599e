/*
 * The studio's page on a phone, where there is no keyboard outside a text field, in a real Chromium
 * against a real `catena studio` process: the annotation queue's rating is saved with a button
 * (it was saved with Enter only), and filters applied from the keyboard leave the focus on the
 * folded filters' summary, right above the runs found (it fell to the top of the page).
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

  it("applies a filter from the keyboard and leaves the focus on the folded filters, above the runs found", async () => {
    for (const [i, tier] of ["rules", "llm"].entries())
      await seedTrace(client, {
        project: "phone-filters",
        chain: `chain-${tier}`,
        version: "1.0.0",
        status: "done",
        tier,
        start: new Date(Date.now() - (10 - i) * 1000),
        inputs: { ticket: `ticket ${i}` },
        outputs: { label: "x" },
        steps: [],
      });
    const project = (await client.readProject({ projectName: "phone-filters" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}`, { viewport });
    const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    const summary = page.locator("details.filters-fold > summary");
    await summary.focus();
    await page.keyboard.press("Enter");
    await page.getByLabel("Tier").focus();
    await page.keyboard.type("LLM");
    await page.keyboard.press("Enter");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.locator("td").nth(1).textContent()).toBe("chain-llm@1.0.0");
    // Folded again, its summary holds the focus and names the filter; Tab goes on to the run found.
    expect(await page.evaluate("document.activeElement?.textContent")).toContain("Tier LLM");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(`document.activeElement?.getAttribute("aria-label")`)).toMatch(/^Open trace /);
    await page.close();
  });
});
