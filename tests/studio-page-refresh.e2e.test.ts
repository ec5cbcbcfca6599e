/*
 * How the studio's page keeps asking for a trace still running, in a real Chromium against a real
 * `catena studio` process, runs sent with the real langsmith SDK: a refresh that fails (the studio
 * restarting) keeps the trace on screen with what the reviewer was doing, and says it retries; a
 * trace with nothing new for 5 minutes (its root refused, its process dead) is no longer asked for
 * until the reader says so, and its header says the page stopped following it; a big trace,
 * fetched whole each time, is not asked for every second; and a "Try again" after a failed load
 * shows it is busy until the studio answers.
 */
import { randomUUID } from "node:crypto";
import { Client } from "langsmith";
import type { Page, Route } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { dotted, seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

type RunCreate = Parameters<Client["createRun"]>[0];

const ui = useStudioPage("studio-refresh");
let client: Client;

beforeAll(() => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
});

/** Makes the page ask for its trace now: its tab hidden, then shown again (a string: no DOM types here). */
const askNow = (page: Page) =>
  page.evaluate(`(() => {
    for (const state of ["hidden", "visible"]) {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
      document.dispatchEvent(new Event("visibilitychange"));
    }
  })()`);

/** A root run that has not ended (or none, `root` false) and `steps` ended steps under it. */
async function runningTrace(
  project: string,
  steps: number,
  root = true,
): Promise<{ rootId: string; rootDotted: string; start: Date; stepIds: string[] }> {
  const rootId = randomUUID();
  const start = new Date(Date.now() - 60_000);
  const rootDotted = dotted(start, rootId);
  const runs: RunCreate[] = [];
  if (root)
    runs.push({
      id: rootId,
      trace_id: rootId,
      dotted_order: rootDotted,
      name: "agent",
      run_type: "chain",
      project_name: project,
      inputs: { text: "plan a trip" },
      start_time: start.toISOString(),
    });
  const stepIds: string[] = [];
  for (let i = 0; i < steps; i++) runs.push(step(project, rootId, rootDotted, start, i, stepIds));
  // A few at a time: 150 one after the other took seconds, all at once crowded a loaded machine.
  for (let i = 0; i < runs.length; i += 10)
    await Promise.all(runs.slice(i, i + 10).map((r) => client.createRun(r)));
  return { rootId, rootDotted, start, stepIds };
}

function step(
  project: string,
  rootId: string,
  rootDotted: string,
  start: Date,
  i: number,
  ids: string[],
): RunCreate {
  const id = randomUUID();
  ids.push(id);
  const at = new Date(start.getTime() + 10 * (i + 1));
  return {
    id,
    trace_id: rootId,
    parent_run_id: rootId,
    dotted_order: `${rootDotted}.${dotted(at, id)}`,
    name: `step-${i}`,
    run_type: "tool",
    project_name: project,
    inputs: { i },
    outputs: { ok: true },
    start_time: at.toISOString(),
    end_time: new Date(at.getTime() + 5).toISOString(),
  };
}

describe("a running trace on the studio's page when a refresh fails", () => {
  it("keeps the trace, the step picked and the comment being typed, says it retries, and recovers", async () => {
    const { rootId } = await runningTrace("refresh-fails", 2);
    const project = (await client.readProject({ projectName: "refresh-fails" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}/r/${rootId}`);
    await page.getByRole("button", { name: "Step step-1" }).click();
    await page.getByLabel("Comment").fill("the second tool call looks wrong");

    await ui.stop();
    await askNow(page);
    // The trace stays, with what the reviewer did, and a line says what went wrong and that it retries.
    const status = page.getByRole("status").filter({ hasText: "Could not refresh the trace" });
    await status.waitFor();
    expect(await status.textContent()).toContain("retrying");
    expect(await page.getByRole("alert").filter({ hasText: "Could not load the trace" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Step step-1" }).getAttribute("aria-pressed")).toBe("true");
    expect(await page.getByLabel("Comment").inputValue()).toBe("the second tool call looks wrong");

    await ui.start();
    client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
    await askNow(page);
    await expect.poll(() => status.count()).toBe(0);
    expect(await page.getByLabel("Comment").inputValue()).toBe("the second tool call looks wrong");
    await page.close();
  }, 60_000);
});

describe("a running trace with nothing new", () => {
  it("stops asking after 5 minutes without a new step, says so, and asks again on Reload", async () => {
    // A root that never arrives (refused, or its process died): only a step of it is stored.
    const { stepIds } = await runningTrace("refresh-quiet", 1, false);
    const asked: number[] = [];
    // The page's own clock, moved on by 5 minutes below (timers and Date; the network is real).
    const page = await ui.browser.context.newPage();
    page.setDefaultTimeout(10_000);
    page.on("request", (request) => {
      if (request.url().includes("/catena/traces/")) asked.push(Date.now());
    });
    await page.clock.install();
    await page.goto(new URL(`/o/local/r/${stepIds[0]}`, ui.studio.url).toString());
    await page.getByRole("button", { name: "Step step-0" }).waitFor();
    await expect.poll(() => asked.length).toBeGreaterThan(0);

    await page.clock.fastForward("05:01");
    const quiet = page.getByRole("status").filter({ hasText: "No new steps for 5 min" });
    await quiet.waitFor();
    // No more asking, however long the page stays open.
    const stoppedAt = asked.length;
    await page.clock.fastForward("10:00");
    await page.waitForTimeout(2000);
    expect(asked.length).toBe(stoppedAt);

    await quiet.getByRole("button", { name: "Reload" }).click();
    await expect.poll(() => asked.length).toBeGreaterThan(stoppedAt);
    await expect.poll(() => quiet.count()).toBe(0);
    await page.close();
  }, 60_000);
});

describe("a running trace no longer followed", () => {
  it("says in its header that the page stopped following it, the stored status unchanged, until Reload", async () => {
    const { rootId } = await runningTrace("refresh-unfollowed", 1);
    const project = (await client.readProject({ projectName: "refresh-unfollowed" })).id;
    const page = await ui.browser.context.newPage();
    page.setDefaultTimeout(10_000);
    await page.clock.install();
    await page.goto(new URL(`/o/local/projects/p/${project}/r/${rootId}`, ui.studio.url).toString());
    const head = page.locator("header.trace-head");
    await page.getByRole("button", { name: "Step step-0" }).waitFor();
    expect(await head.textContent()).toContain("running…");
    const status = await head.locator(".badge").textContent();

    await page.clock.fastForward("05:01");
    await page.getByRole("status").filter({ hasText: "No new steps for 5 min" }).waitFor();
    // Not "running…" as if it were still watched: the page says it stopped following the trace.
    await expect.poll(() => head.textContent()).toContain("running when last asked, no longer followed");
    expect(await head.textContent()).not.toContain("running…");
    expect(await head.locator(".badge").textContent()).toBe(status);

    await page.getByRole("button", { name: "Reload" }).click();
    await expect.poll(() => head.textContent()).toContain("running…");
    expect(await head.textContent()).not.toContain("no longer followed");
    await page.close();
  }, 60_000);

  it("says once, on the line with its Reload, that the link's step has not arrived", async () => {
    const { rootId } = await runningTrace("refresh-unfollowed-step", 1);
    const project = (await client.readProject({ projectName: "refresh-unfollowed-step" })).id;
    const missing = randomUUID();
    const page = await ui.browser.context.newPage();
    page.setDefaultTimeout(10_000);
    await page.clock.install();
    await page.goto(
      new URL(`/o/local/projects/p/${project}/r/${rootId}?step=${missing}`, ui.studio.url).toString(),
    );
    const waiting = page.getByRole("status").filter({ hasText: "Waiting for this step" });
    await waiting.waitFor();

    await page.clock.fastForward("05:01");
    const quiet = page.getByRole("status").filter({ hasText: "No new steps for 5 min" });
    await quiet.waitFor();
    // One line says what to do (two said Reload, one with a button, one without).
    const statuses = (await page.getByRole("status").allTextContents()).filter((t) => t.includes("Reload"));
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toContain(`Step ${missing} of the link has not arrived.`);
    expect(await waiting.count()).toBe(0);

    // Asked again, the step is waited for again.
    await quiet.getByRole("button", { name: "Reload" }).click();
    await waiting.waitFor();
    expect(await quiet.count()).toBe(0);
    await page.close();
  }, 60_000);
});

describe("a running trace shared by link", () => {
  it("says it is not followed, as the shared page never asks for it again", async () => {
    const { rootId } = await runningTrace("refresh-shared", 1);
    const page = await ui.open(new URL(await client.shareRun(rootId)).pathname);
    const head = page.locator("header.trace-head");
    await page.getByRole("button", { name: "Step step-0" }).waitFor();
    expect(await head.textContent()).toContain("running when last asked, no longer followed");
    expect(await head.textContent()).not.toContain("running…");
    await page.close();
  }, 60_000);
});

describe("a Try again after a failed load", () => {
  it("is busy until the studio answers (disabled, aria-busy, retrying…), says when it failed again, and leaves the focus on the view", async () => {
    await seedTrace(client, {
      project: "refresh-retry",
      chain: "triage",
      version: "1.0.0",
      status: "done",
      start: new Date(Date.now() - 10_000),
      inputs: { ticket: "printer" },
      outputs: { label: "hardware" },
      steps: [],
    });
    const project = (await client.readProject({ projectName: "refresh-retry" })).id;
    // The runs' answers, held by the test: the first refused, then each one let through (or
    // refused) when the test says.
    const held: Array<(ok: boolean) => void> = [];
    let asked = 0;
    const page = await ui.open(`/o/local/projects/p/${project}`, {
      prepare: (p) =>
        void p.route("**/catena/runs?**", (route: Route) => {
          asked++;
          const refuse = () =>
            route.fulfill({
              status: 503,
              contentType: "application/json",
              body: JSON.stringify({ detail: "The studio is restarting." }),
            });
          if (asked === 1) {
            void refuse();
            return;
          }
          held.push((ok) => void (ok ? route.continue() : refuse()));
        }),
    });
    const failed = page.getByRole("alert").filter({ hasText: "The studio is restarting." });
    const retry = failed.getByRole("button", { name: "Try again" });
    await retry.waitFor();
    expect(await failed.getAttribute("aria-busy")).toBeNull();
    // Each state of the alert the page goes through, also one gone by the next frame: a press
    // showed "Tried again: it still fails." for a frame, not busy, before it showed "retrying…".
    await page.evaluate(`(() => {
      window.__alerts = [];
      new MutationObserver(() => {
        for (const alert of document.querySelectorAll('[role="alert"]'))
          window.__alerts.push((alert.getAttribute("aria-busy") ?? "idle") + ": " + alert.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    })()`);
    const alertsSeen = async () => (await page.evaluate("window.__alerts.splice(0)")) as string[];

    // From the keyboard: the button keeps the focus while it is busy, and a second press asks nothing.
    await retry.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => held.length).toBe(1);
    // From the press to the answer the alert was busy, and never said the try had failed.
    const whileTrying = await alertsSeen();
    expect(whileTrying.length).toBeGreaterThan(0);
    expect(whileTrying.filter((seen) => seen.includes("still fails") || !seen.startsWith("true: "))).toEqual(
      [],
    );
    expect(await failed.getAttribute("aria-busy")).toBe("true");
    expect(await retry.getAttribute("aria-disabled")).toBe("true");
    expect(await retry.isDisabled()).toBe(true);
    expect(await failed.textContent()).toContain("retrying…");
    await page.keyboard.press("Enter");
    await page.waitForTimeout(300);
    expect(asked).toBe(2);
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Try again");

    // Refused again: no longer busy, and it says the try failed.
    held[0]?.(false);
    await expect.poll(() => failed.getAttribute("aria-busy")).toBeNull();
    expect(await retry.getAttribute("aria-disabled")).toBeNull();
    expect(await failed.textContent()).toContain("Tried again: it still fails.");
    expect(await failed.textContent()).not.toContain("retrying…");

    // Answered: the runs, and the focus on the view's heading (the button it was on is gone).
    await alertsSeen();
    await page.keyboard.press("Enter");
    await expect.poll(() => held.length).toBe(2);
    expect(await failed.textContent()).toContain("retrying…");
    expect((await alertsSeen()).filter((seen) => !seen.startsWith("true: "))).toEqual([]);
    held[1]?.(true);
    await expect.poll(() => page.getByRole("table", { name: "Runs" }).locator("tbody tr").count()).toBe(1);
    expect(await failed.count()).toBe(0);
    await expect
      .poll(() =>
        page.evaluate("document.activeElement?.tagName + ': ' + document.activeElement?.textContent"),
      )
      .toBe("H1: refresh-retry");
    await page.close();
  }, 60_000);
});

describe("a trace whose run, then whose trace, fails to load", () => {
  it("says the trace's failure afresh, not as the run's tried again", async () => {
    const runId = await seedTrace(client, {
      project: "refresh-two-failures",
      chain: "triage",
      version: "1.0.0",
      status: "done",
      start: new Date(Date.now() - 10_000),
      inputs: { ticket: "printer" },
      outputs: { label: "hardware" },
      steps: [],
    });
    let runAsked = 0;
    const refuse = (route: Route, detail: string) =>
      route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ detail }) });
    const page = await ui.open(`/o/local/r/${runId}`, {
      prepare: (p) => {
        void p.route(
          (url) => url.pathname === `/runs/${runId}`,
          (route) => void (++runAsked === 1 ? refuse(route, "The studio is restarting.") : route.continue()),
        );
        void p.route("**/catena/traces/**", (route) => void refuse(route, "The trace store is locked."));
      },
    });
    const failed = page.getByRole("alert").filter({ hasText: "Could not load the trace" });
    await expect.poll(() => failed.textContent()).toContain("The studio is restarting.");
    await failed.getByRole("button", { name: "Try again" }).click();
    // The run came, its trace did not: a failure of its own, not "tried again" (nobody tried it).
    await expect.poll(() => failed.textContent()).toContain("The trace store is locked.");
    expect(await failed.textContent()).not.toContain("Tried again");
    expect(runAsked).toBe(2);
    await page.close();
  }, 60_000);
});

describe("a big running trace", () => {
  it("is asked again at most every 2 s, also right after new steps came", async () => {
    const project = "refresh-big";
    const { rootId, rootDotted, start, stepIds } = await runningTrace(project, 150);
    const projectId = (await client.readProject({ projectName: project })).id;
    // The page's own times of its trace requests: the test's would add the load's delays.
    const page = await ui.browser.context.newPage();
    page.setDefaultTimeout(10_000);
    await page.addInitScript(`(() => {
      window.__traceAsks = [];
      const fetch = window.fetch;
      window.fetch = (input, init) => {
        if (String(input instanceof Request ? input.url : input).includes("/catena/traces/"))
          window.__traceAsks.push(performance.now());
        return fetch(input, init);
      };
    })()`);
    await page.goto(new URL(`/o/local/projects/p/${projectId}/r/${rootId}`, ui.studio.url).toString());
    const asks = async () => (await page.evaluate("window.__traceAsks")) as number[];
    await page.getByRole("button", { name: "Step step-149" }).waitFor();
    // A chatty agent: a new step each time the page has asked, so that every answer brings one.
    for (let i = 0; i < 4; i++) {
      const seen = (await asks()).length;
      await expect.poll(async () => (await asks()).length, { timeout: 30_000 }).toBeGreaterThan(seen);
      await client.createRun(step(project, rootId, rootDotted, start, 150 + i, stepIds));
    }
    await page.getByRole("button", { name: "Step step-152" }).waitFor();
    const times = await asks();
    await page.close();
    // The first ask is the page's load; each one after waited 2 s at least (the wait only starts
    // once the answer before came, so a loaded machine makes the gaps longer, never shorter).
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1950);
  }, 120_000);
});
