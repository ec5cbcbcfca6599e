/*
 * The studio's page while what it shows is still happening, in a real Chromium against a real
 * `catena studio` process, runs sent with the real langsmith SDK: a trace still running is asked
 * again until its root ends (its new steps appear, and a `?step=` naming one not arrived yet is
 * waited for with a notice and selected once it has, or said missing when the trace ended without it), and a rating key pressed before the queue's rating scale has loaded is
 * not lost, nor an Enter after it. The page is made to ask at once (its tab hidden and shown) where
 * waiting out its back-off made the test depend on the machine's load.
 */
import { randomUUID } from "node:crypto";
import { Client } from "langsmith";
import type { Page, Route } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { dotted, seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-live");
let client: Client;

/**
 * Hides or shows the page's tab as the browser does when it goes to the background and back (a
 * string: the tests have no DOM types). Shown again, a running trace is asked for at once: the
 * tests make the page ask this way rather than wait out a back-off that can be 8 s and more.
 */
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate(`(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "${hidden ? "hidden" : "visible"}" });
    document.dispatchEvent(new Event("visibilitychange"));
  })()`);
/** Makes the page ask for its trace now (hidden, then shown again). */
const askNow = async (page: Page) => {
  await setHidden(page, true);
  await setHidden(page, false);
};

beforeAll(() => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
});

describe("a trace still running on the studio's page", () => {
  it("shows the steps that arrive, selects the ?step= once it has come, and stops asking once the root ended", async () => {
    const rootId = randomUUID();
    const start = new Date(Date.now() - 2000);
    const rootDotted = dotted(start, rootId);
    await client.createRun({
      id: rootId,
      trace_id: rootId,
      dotted_order: rootDotted,
      name: "support-triage",
      run_type: "chain",
      project_name: "live",
      inputs: { text: "my card was charged twice" },
      start_time: start.toISOString(),
    });
    const project = (await client.readProject({ projectName: "live" })).id;
    const later = randomUUID();
    const asked: string[] = [];
    // A link to a step that is not there yet (shared from a terminal that printed it, say).
    const page = await ui.open(`/o/local/projects/p/${project}/r/${rootId}?step=${later}`, {
      viewport: { width: 1280, height: 900 },
      prepare: (p) =>
        p.on("request", (request) => {
          if (request.url().includes("/catena/traces/")) asked.push(request.url());
        }),
    });
    const steps = page.getByRole("list", { name: "Steps" }).getByRole("button");
    await expect.poll(() => steps.count()).toBe(1);
    // It says it is running (its duration read "–"), and no bare "· –" for a cost nobody recorded.
    const head = page.locator("header.trace-head");
    expect(await head.textContent()).toContain("running…");
    expect(await head.textContent()).not.toContain("–");
    expect(await page.getByRole("button", { name: "Step support-triage" }).getAttribute("aria-pressed")).toBe(
      "true",
    );
    // The root shown meanwhile is not taken for the step: a notice says the step is waited for.
    const notice = page.getByRole("status").filter({ hasText: later });
    expect(await notice.textContent()).toContain("Waiting for this step");

    // The steps arrive while the page is open: the named one is selected once it has come.
    const stepStart = new Date(start.getTime() + 100);
    for (const [id, name] of [
      [randomUUID(), "classify"],
      [later, "answer"],
    ] as const)
      await client.createRun({
        id,
        trace_id: rootId,
        parent_run_id: rootId,
        dotted_order: `${rootDotted}.${dotted(stepStart, id)}`,
        name,
        run_type: "chain",
        project_name: "live",
        inputs: { text: "x" },
        outputs: { label: name },
        start_time: stepStart.toISOString(),
        end_time: new Date(stepStart.getTime() + 50).toISOString(),
      });
    // Asked at once (the back-off could be 8 s by now), and counted: the page asked again.
    const before = asked.length;
    await askNow(page);
    await expect.poll(() => asked.length).toBeGreaterThan(before);
    await expect.poll(() => steps.count()).toBe(3);
    await expect
      .poll(() => page.getByRole("button", { name: "Step answer" }).getAttribute("aria-pressed"))
      .toBe("true");
    const arrived = page.getByRole("status").filter({ hasText: "has arrived" });
    expect(await arrived.textContent()).toBe("Step answer has arrived and is selected.");
    expect(await notice.count()).toBe(0);

    // The root ends: the page shows it ended, and asks no more.
    await client.updateRun(rootId, {
      trace_id: rootId,
      dotted_order: rootDotted,
      outputs: { label: "billing" },
      end_time: new Date().toISOString(),
    });
    const rootRow = page.getByRole("button", { name: "Step support-triage" });
    await askNow(page);
    await expect.poll(() => rootRow.getAttribute("class")).toContain("status-success");
    expect(await head.textContent()).not.toContain("running…");
    const after = asked.length;
    await page.waitForTimeout(3000);
    expect(asked.length).toBe(after);
    // The news of the step's arrival is not left on the page for good: it goes after a few seconds.
    await expect.poll(() => arrived.count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByRole("button", { name: "Step answer" }).getAttribute("aria-pressed")).toBe("true");
    await page.close();
  }, 60_000);

  it("takes an empty ?step= for none: the run of the link selected, no step waited for", async () => {
    const rootId = await seedTrace(client, {
      project: "live",
      chain: "empty-step",
      version: "1.0.0",
      status: "done",
      start: new Date(Date.now() - 5000),
      inputs: { text: "x" },
      outputs: { label: "y" },
      steps: [],
    });
    const project = (await client.readProject({ projectName: "live" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}/r/${rootId}?step=`);
    await page.getByRole("region", { name: "Step details" }).waitFor();
    expect(await page.getByRole("button", { name: "Step empty-step" }).getAttribute("aria-pressed")).toBe(
      "true",
    );
    // It said "Waiting for this step ()" (and then that the trace ended without it).
    expect(await page.locator(".notice").count()).toBe(0);
    await page.close();
  }, 60_000);

  it("says so when the trace ends without the step a link named", async () => {
    const rootId = randomUUID();
    const start = new Date(Date.now() - 2000);
    const rootDotted = dotted(start, rootId);
    await client.createRun({
      id: rootId,
      trace_id: rootId,
      dotted_order: rootDotted,
      name: "ends-early",
      run_type: "chain",
      project_name: "live",
      inputs: {},
      start_time: start.toISOString(),
    });
    const project = (await client.readProject({ projectName: "live" })).id;
    const never = randomUUID();
    const page = await ui.open(`/o/local/projects/p/${project}/r/${rootId}?step=${never}`);
    const notice = page.getByRole("status").filter({ hasText: never });
    await expect.poll(() => notice.textContent()).toContain("Waiting for this step");
    await client.updateRun(rootId, {
      trace_id: rootId,
      dotted_order: rootDotted,
      outputs: {},
      end_time: new Date().toISOString(),
    });
    await askNow(page);
    await expect
      .poll(() => notice.textContent())
      .toBe(
        `This trace ended without step ${never}: the link names a step it does not have. The root is shown instead.`,
      );
    expect(await page.getByRole("button", { name: "Step ends-early" }).getAttribute("aria-pressed")).toBe(
      "true",
    );
    // The reader picks a step: the notice is about the link's step, and goes.
    await page.getByRole("button", { name: "Step ends-early" }).click();
    await expect.poll(() => notice.count()).toBe(0);
    await page.close();
  }, 60_000);

  it("asks nothing while the tab is hidden, and at once when it is shown again", async () => {
    const rootId = randomUUID();
    const start = new Date(Date.now() - 1000);
    await client.createRun({
      id: rootId,
      trace_id: rootId,
      dotted_order: dotted(start, rootId),
      name: "still-running",
      run_type: "chain",
      project_name: "live",
      inputs: {},
      start_time: start.toISOString(),
    });
    const project = (await client.readProject({ projectName: "live" })).id;
    const asked: number[] = [];
    const page = await ui.open(`/o/local/projects/p/${project}/r/${rootId}`, {
      prepare: (p) =>
        p.on("request", (request) => {
          if (request.url().includes("/catena/traces/")) asked.push(Date.now());
        }),
    });
    await page.getByRole("button", { name: "Step still-running" }).waitFor();
    // It is asked again while it runs, unprompted (the first wait is a second, then 2 s, 4 s...;
    // 20 s leaves room for a loaded machine).
    await expect.poll(() => asked.length, { timeout: 20_000 }).toBeGreaterThan(1);
    await setHidden(page, true);
    const hiddenAt = asked.length;
    await page.waitForTimeout(5000);
    expect(asked.length).toBe(hiddenAt);
    // Shown again it asks at once; without that nothing would ask at all (no wait runs while hidden).
    await setHidden(page, false);
    await expect.poll(() => asked.length).toBeGreaterThan(hiddenAt);
    await page.close();
  }, 60_000);

  it("does not ask again when the tab is shown while a load is still under way", async () => {
    const rootId = randomUUID();
    const start = new Date(Date.now() - 1000);
    await client.createRun({
      id: rootId,
      trace_id: rootId,
      dotted_order: dotted(start, rootId),
      name: "slow-to-load",
      run_type: "chain",
      project_name: "live-pending",
      inputs: {},
      start_time: start.toISOString(),
    });
    const project = (await client.readProject({ projectName: "live-pending" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}/r/${rootId}`);
    await page.getByRole("button", { name: "Step slow-to-load" }).waitFor();
    // From now on the trace's loads are held: one is under way, unanswered.
    const held: Route[] = [];
    await page.route("**/catena/traces/**", (route) => {
      held.push(route);
    });
    await askNow(page);
    await expect.poll(() => held.length).toBe(1);
    // Switching tabs back and forth while it loads asks nothing more (each asked afresh before).
    await askNow(page);
    await askNow(page);
    await page.waitForTimeout(1500);
    expect(held.length).toBe(1);
    await page.unroute("**/catena/traces/**");
    for (const route of held.splice(0)) await route.continue().catch(() => undefined);
    await page.close();
  }, 60_000);
});

describe("the annotation queue before its rating scale has loaded", () => {
  it("picks a rating key pressed while the scale loads once it has, and says it is loading meanwhile", async () => {
    await seedTrace(client, {
      project: "live-queue",
      chain: "banking",
      version: "1.0.0",
      status: "deferred",
      start: new Date(Date.now() - 5000),
      inputs: { text: "where is my card" },
      outputs: { label: "card_arrival" },
      steps: [],
    });
    const project = (await client.readProject({ projectName: "live-queue" })).id;
    const held: Route[] = [];
    const page = await ui.open(`/o/local/projects/p/${project}/queue`, {
      prepare: (p) => {
        void p.route("**/feedback-configs*", (route) => {
          held.push(route);
        });
      },
    });
    const item = page.getByRole("region", { name: "Current item" });
    await item.waitFor();
    await expect.poll(() => held.length).toBeGreaterThan(0);
    await page.keyboard.press("3");
    await item.getByText("loading the ratings… 3 is picked once they have").waitFor();
    for (const route of held.splice(0)) await route.continue();
    await expect
      .poll(() => item.getByRole("button", { name: "Rate 3" }).getAttribute("aria-pressed"))
      .toBe("true");
    // Enter saves it, as for a rating picked after the load.
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Rating 3 saved" }).waitFor();
    await page.close();
  });

  it("saves a rating whose 3 and Enter were both pressed while the scale loads, once it has", async () => {
    await seedTrace(client, {
      project: "live-queue-enter",
      chain: "banking",
      version: "1.0.0",
      status: "deferred",
      start: new Date(Date.now() - 5000),
      inputs: { text: "my card is lost" },
      outputs: { label: "lost_card" },
      steps: [],
    });
    const project = (await client.readProject({ projectName: "live-queue-enter" })).id;
    const held: Route[] = [];
    const saved: string[] = [];
    const page = await ui.open(`/o/local/projects/p/${project}/queue`, {
      prepare: (p) => {
        void p.route("**/feedback-configs*", (route) => {
          held.push(route);
        });
        p.on("request", (request) => {
          if (request.method() === "POST" && request.url().endsWith("/feedback")) saved.push(request.url());
        });
      },
    });
    const item = page.getByRole("region", { name: "Current item" });
    await item.waitFor();
    await expect.poll(() => held.length).toBeGreaterThan(0);
    await page.keyboard.press("3");
    await page.keyboard.press("Enter");
    // The Enter is not dropped: it says it will save, and nothing is sent before the scale is known.
    await item.getByText("loading the ratings… 3 is saved once they have").waitFor();
    expect(saved).toEqual([]);
    for (const route of held.splice(0)) await route.continue();
    await page.getByRole("status").filter({ hasText: "Rating 3 saved" }).waitFor();
    expect(saved).toHaveLength(1);
    await page.close();
  });

  it("saves the rating confirmed while the scale loads for the item it was confirmed on, ignoring keys after the Enter", async () => {
    for (const [i, text] of ["first question", "second question"].entries())
      await seedTrace(client, {
        project: "live-queue-enter-4",
        chain: "banking",
        version: "1.0.0",
        status: "deferred",
        start: new Date(Date.now() - 5000 - i * 1000),
        inputs: { text },
        outputs: { label: "x" },
        steps: [],
      });
    const project = (await client.readProject({ projectName: "live-queue-enter-4" })).id;
    const held: Route[] = [];
    const saved: { run_id: string; score: number }[] = [];
    const page = await ui.open(`/o/local/projects/p/${project}/queue`, {
      prepare: (p) => {
        void p.route("**/feedback-configs*", (route) => {
          held.push(route);
        });
        p.on("request", (request) => {
          if (request.method() === "POST" && request.url().endsWith("/feedback"))
            saved.push(request.postDataJSON() as { run_id: string; score: number });
        });
      },
    });
    const item = page.getByRole("region", { name: "Current item" });
    await item.waitFor();
    await expect.poll(() => held.length).toBeGreaterThan(0);
    await expect.poll(() => new URL(page.url()).searchParams.get("item")).not.toBeNull();
    const first = new URL(page.url()).searchParams.get("item");
    // 3 and Enter on the first item, then a 4 and j: the Enter settled the 3 for the first item.
    await page.keyboard.press("3");
    await page.keyboard.press("Enter");
    await page.keyboard.press("4");
    await item.getByText("loading the ratings… 3 is saved once they have").waitFor();
    await page.keyboard.press("j");
    await expect.poll(() => new URL(page.url()).searchParams.get("item")).not.toBe(first);
    const second = new URL(page.url()).searchParams.get("item");
    for (const route of held.splice(0)) await route.continue();
    await page
      .getByRole("status")
      .filter({ hasText: `Rating 3 saved for run ${first?.slice(0, 8)}` })
      .waitFor();
    expect(saved.map((f) => [f.run_id, f.score])).toEqual([[first, 3]]);
    // The reviewer stays where they went: the save does not move them on a second time.
    expect(new URL(page.url()).searchParams.get("item")).toBe(second);
    await page.close();
  });
});
