/*
 * Finding a way around the studio's page and back, in a real Chromium against a real `catena
 * studio` process: a trace's link back to the runs keeps the filters and page it came from, the
 * filter form folds away on a phone, a step named in a trace's URL stays named while a slow
 * studio answers and across reloads, a step picked far down a long trace has its details in view,
 * and the keyboard walks a trace's steps with the arrows, one Tab stop for them all.
 */
import { Client } from "langsmith";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-way-back");
let client: Client;

beforeAll(() => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
});

async function projectOf(name: string): Promise<string> {
  return (await client.readProject({ projectName: name })).id;
}

/** Seeds `count` runs of `chain` in `project`, alternating done and deferred, newest last. */
async function seedRuns(project: string, count: number, chain = "banking"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push(
      await seedTrace(client, {
        project,
        chain,
        version: "1.0.0",
        status: i % 2 === 0 ? "done" : "deferred",
        tier: "linear",
        start: new Date(Date.now() - (count - i) * 1000),
        inputs: { text: `question number ${i}` },
        outputs: { label: "card_arrival" },
        steps: [
          { name: "prepare", kind: "code", ms: 1, outputs: { text: `question number ${i}` } },
          { name: "linear", kind: "classify", ms: 2, outputs: { label: "card_arrival" } },
        ],
      }),
    );
  return ids;
}

const search = (page: Page) => new URL(page.url()).searchParams;

describe("the way around the studio's page", () => {
  it("goes from a trace back to the runs with the filters and page it was opened from", async () => {
    await seedRuns("filtered", 110);
    const project = await projectOf("filtered");
    const page = await ui.open(`/o/local/projects/p/${project}`);
    await page.getByLabel("Status").selectOption("deferred");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect.poll(() => search(page).get("status")).toBe("deferred");
    await page.getByRole("button", { name: "Next page" }).click();
    // The second page of the 55 deferred runs.
    await expect.poll(() => rows.count()).toBe(5);
    await rows.first().getByRole("link").click();
    await page.getByRole("region", { name: "Step details" }).waitFor();
    await page.getByRole("link", { name: "Runs of filtered" }).click();
    await page.getByRole("table", { name: "Runs" }).waitFor();
    expect(search(page).get("status")).toBe("deferred");
    await expect.poll(() => rows.count()).toBe(5);
    expect(await page.getByText("Page 2").count()).toBe(1);
    // The form shows the status it filters by (it showed "any"), so applying another filter keeps it.
    expect(await page.getByLabel("Status").inputValue()).toBe("deferred");
    await page.getByLabel("Chain").fill("banking");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => search(page).get("chain")).toBe("banking");
    expect(search(page).get("status")).toBe("deferred");
    await page.goBack();
    await expect.poll(() => rows.count()).toBe(5);
    // After a reload of the trace too.
    await rows.nth(3).getByRole("link").click();
    await page.getByRole("region", { name: "Step details" }).waitFor();
    await page.reload();
    await page.getByRole("link", { name: "Runs of filtered" }).click();
    await expect.poll(() => search(page).get("status")).toBe("deferred");
    // Cleared filters are what the link comes back to afterwards.
    await page.getByRole("button", { name: "Clear" }).click();
    await expect.poll(() => rows.count()).toBe(50);
    await rows.first().getByRole("link").click();
    await page.getByRole("link", { name: "Runs of filtered" }).click();
    await expect.poll(() => rows.count()).toBe(50);
    expect(page.url()).not.toContain("?");
    await page.close();
  });

  it("on a phone, folds the filter form away so the runs are on the first screen, and opens it by keyboard", async () => {
    await seedRuns("phone", 4);
    const project = await projectOf("phone");
    const viewport = { width: 390, height: 844 };
    const page = await ui.open(`/o/local/projects/p/${project}?status=deferred`, { viewport });
    const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    const firstRow = await rows.first().boundingBox();
    expect(firstRow?.y ?? Number.POSITIVE_INFINITY).toBeLessThan(viewport.height / 2);
    const status = page.getByLabel("Status");
    expect(await status.isVisible()).toBe(false);
    // The folded form says which filters are set.
    const summary = page.locator(".filters-fold > summary");
    expect(await summary.textContent()).toContain("Status deferred");
    await summary.focus();
    await page.keyboard.press("Enter");
    expect(await status.isVisible()).toBe(true);
    await status.selectOption("done");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => search(page).get("status")).toBe("done");
    // Applied: the form folds again and the runs found are in view.
    await expect.poll(() => status.isVisible()).toBe(false);
    expect(await summary.textContent()).toContain("Status done");
    await page.close();

    // A wide window shows the form open.
    const wide = await ui.open(`/o/local/projects/p/${project}`, { viewport: { width: 1280, height: 800 } });
    await wide.getByRole("table", { name: "Runs" }).waitFor();
    expect(await wide.getByLabel("Status").isVisible()).toBe(true);
    await wide.close();
  });

  it("shows the step named in the URL while a slow studio answers, after a reload, and after Back", async () => {
    const [run = ""] = await seedRuns("slow-steps", 1);
    const project = await projectOf("slow-steps");
    const tree = (await (await fetch(`${ui.studio.url}/catena/traces/${run}`)).json()) as {
      runs: Array<{ id: string; name: string }>;
    };
    const prepare = tree.runs.find((r) => r.name === "prepare")?.id ?? "";
    const linear = tree.runs.find((r) => r.name === "linear")?.id ?? "";
    // Every answer of the studio takes 1.5 s: the page renders many times before the trace is in.
    const page = await ui.open("/", {
      timeoutMs: 20_000,
      prepare: (p) => {
        void p.route("**/*", async (route) => {
          if (route.request().resourceType() === "fetch") await new Promise((r) => setTimeout(r, 1500));
          await route.continue();
        });
      },
    });
    const stepUrl = `/o/local/projects/p/${project}/r/${run}?step=${prepare}`;
    await page.goto(new URL(stepUrl, ui.studio.url).toString());
    const details = page.getByRole("region", { name: "Step details" });
    const heading = () => details.getByRole("heading").first().textContent();
    const seen: string[] = [];
    // The URL names the step all along, and the step named is the one shown once the trace is in.
    while ((await details.count()) === 0) {
      seen.push(search(page).get("step") ?? "(none)");
      await page.waitForTimeout(100);
    }
    expect(new Set(seen)).toEqual(new Set([prepare]));
    expect(await heading()).toBe("prepare");
    expect(search(page).get("step")).toBe(prepare);
    // A step picked, then a reload at once: the page comes back to it.
    await page.getByRole("button", { name: "Step linear" }).click();
    expect(search(page).get("step")).toBe(linear);
    await page.reload();
    expect(search(page).get("step")).toBe(linear);
    await expect.poll(heading).toBe("linear");
    // Away to the runs and Back: still that step.
    await page.getByRole("link", { name: "Runs of slow-steps" }).click();
    await page.getByRole("table", { name: "Runs" }).waitFor();
    await page.goBack();
    await expect.poll(heading).toBe("linear");
    expect(search(page).get("step")).toBe(linear);
    await page.close();
  });

  it("brings a step's details into view when it is picked far down a long trace, wide or on a phone", async () => {
    const run = await seedTrace(client, {
      project: "long-trace",
      chain: "banking",
      version: "1.0.0",
      status: "done",
      start: new Date(Date.now() - 5000),
      inputs: { text: "where is my card" },
      steps: Array.from({ length: 120 }, (_, i) => ({
        name: `step-${i}`,
        kind: "code",
        ms: 1,
        outputs: { i },
      })),
    });
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const page = await ui.open(`/o/-/r/${run}`, { viewport });
      const step = page.getByRole("button", { name: "Step step-100" });
      await step.scrollIntoViewIfNeeded();
      await step.focus();
      await page.keyboard.press("Enter");
      const details = page.getByRole("region", { name: "Step details" });
      await expect.poll(() => details.getByRole("heading").first().textContent()).toBe("step-100");
      const inView = async () => {
        const box = await details.boundingBox();
        return box !== null && box.y >= 0 && box.y < viewport.height - 48;
      };
      await expect.poll(inView).toBe(true);
      await page.close();
    }
  });

  it("walks a trace's steps with the arrow keys, the steps one Tab stop, keyboard only", async () => {
    const run = await seedTrace(client, {
      project: "keyboard-trace",
      chain: "banking",
      version: "1.0.0",
      status: "done",
      start: new Date(Date.now() - 5000),
      inputs: { text: "where is my card" },
      steps: Array.from({ length: 60 }, (_, i) => ({ name: `step-${i}`, kind: "code", ms: 1 })),
    });
    const page = await ui.open(`/o/-/r/${run}`, { viewport: { width: 1280, height: 800 } });
    const details = page.getByRole("region", { name: "Step details" });
    await details.waitFor();
    const focused = () =>
      page.evaluate<string>(
        "document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName ?? ''",
      );
    let presses = 0;
    while (!(await focused()).startsWith("Step ") && presses < 30) {
      await page.keyboard.press("Tab");
      presses++;
    }
    expect(await focused()).toBe("Step banking");
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");
    expect(await focused()).toBe("Step step-2");
    await expect.poll(() => details.getByRole("heading").first().textContent()).toBe("step-2");
    expect(new URL(page.url()).searchParams.get("step")).not.toBeNull();
    await page.keyboard.press("End");
    await expect.poll(() => details.getByRole("heading").first().textContent()).toBe("step-59");
    await page.keyboard.press("ArrowUp");
    expect(await focused()).toBe("Step step-58");
    // One Tab leaves the 61 steps for what follows them.
    await page.keyboard.press("Tab");
    expect(await focused()).not.toMatch(/^Step /);
    // Shift+Tab comes back to the step picked.
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).toBe("Step step-58");
    await page.close();
  });
});
