/*
 * Trends' period on the studio's page, in a real Chromium against a real `catena studio` process,
 * runs sent with the real langsmith SDK: 24 hours, 7, 30 or 90 days (it was 30 days, fixed), kept
 * in the URL (a reload, a shared link and Back show the same), picked from the keyboard with the
 * focus kept on the choice; a row's link to its runs opens the runs it counted, also on the
 * period's first day, which the period cuts.
 */
import { Client } from "langsmith";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-trends");
const HOUR = 3_600_000;
/** The page's clock: noon (UTC) tomorrow, so that each run's UTC day is known whatever the time now. */
const NOW = Math.ceil(Date.now() / 86_400_000) * 86_400_000 + 12 * HOUR;
let projectId = "";

beforeAll(async () => {
  const client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
  for (const [chain, hoursAgo] of [
    ["recent", 2],
    // Both on the day before NOW: one inside the last 24 hours, one just outside.
    ["edge", 23],
    ["edge", 25],
    ["week", 3 * 24],
    ["month", 20 * 24],
    ["quarter", 60 * 24],
  ] as const)
    await seedTrace(client, {
      project: "trends-periods",
      chain,
      version: "1.0.0",
      status: "done",
      tier: "rules",
      start: new Date(NOW - hoursAgo * HOUR),
      inputs: { ticket: `${chain} ${hoursAgo}` },
      outputs: { label: "x" },
      steps: [],
    });
  projectId = (await client.readProject({ projectName: "trends-periods" })).id;
});

/** Each row's chain@version and run count, in the table's order. */
const rowsOf = async (page: Page) => {
  const rows = page.getByRole("table", { name: "Trends" }).locator("tbody tr");
  const seen: string[] = [];
  for (let i = 0; i < (await rows.count()); i++)
    seen.push(
      `${await rows.nth(i).locator("td").nth(1).textContent()} ${await rows.nth(i).locator("td").nth(3).textContent()}`,
    );
  return seen;
};

describe("Trends' period", () => {
  it("offers 24 hours, 7, 30 and 90 days, kept in the URL, picked from the keyboard", async () => {
    const page = await ui.browser.context.newPage();
    page.setDefaultTimeout(10_000);
    await page.clock.setFixedTime(NOW);
    await page.goto(new URL(`/o/local/projects/p/${projectId}/trends`, ui.studio.url).toString());
    const heading = (period: string) =>
      page.getByRole("heading", { level: 1, name: `Trends of trends-periods, last ${period}` });
    await heading("30 days").waitFor();
    await expect
      .poll(() => rowsOf(page))
      .toEqual(["month@1.0.0 1", "week@1.0.0 1", "edge@1.0.0 2", "recent@1.0.0 1"]);
    const periods = page.getByRole("navigation", { name: "Period" });
    expect(await periods.getByRole("link", { name: "30d, last 30 days" }).getAttribute("aria-current")).toBe(
      "page",
    );
    // Each link's name starts with what it shows (a voice user says "7d"), and says it in full.
    const links = periods.getByRole("link");
    const named: string[] = [];
    for (let i = 0; i < (await links.count()); i++)
      named.push(`${await links.nth(i).textContent()} | ${await links.nth(i).getAttribute("aria-label")}`);
    expect(named).toEqual([
      "24h | 24h, last 24 hours",
      "7d | 7d, last 7 days",
      "30d | 30d, last 30 days",
      "90d | 90d, last 90 days",
    ]);

    // From the keyboard: the URL names the period, the focus stays on the choice.
    const week = periods.getByRole("link", { name: "7d, last 7 days" });
    await week.focus();
    await page.keyboard.press("Enter");
    await heading("7 days").waitFor();
    expect(new URL(page.url()).searchParams.get("period")).toBe("7d");
    await expect.poll(() => rowsOf(page)).toEqual(["week@1.0.0 1", "edge@1.0.0 2", "recent@1.0.0 1"]);
    expect(await week.getAttribute("aria-current")).toBe("page");
    expect(await page.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe("7d, last 7 days");

    await periods.getByRole("link", { name: "90d, last 90 days" }).click();
    await heading("90 days").waitFor();
    await expect
      .poll(() => rowsOf(page))
      .toEqual(["quarter@1.0.0 1", "month@1.0.0 1", "week@1.0.0 1", "edge@1.0.0 2", "recent@1.0.0 1"]);

    // A reload (or the link shared) shows the same period; Back goes to the one before.
    await page.reload();
    await heading("90 days").waitFor();
    await page.goBack();
    await heading("7 days").waitFor();
    await page.close();
  });

  it("shows 30 days for a period it does not know (?period=bogus)", async () => {
    const page = await ui.browser.context.newPage();
    page.setDefaultTimeout(10_000);
    await page.clock.setFixedTime(NOW);
    await page.goto(
      new URL(`/o/local/projects/p/${projectId}/trends?period=bogus`, ui.studio.url).toString(),
    );
    await page.getByRole("heading", { level: 1, name: "Trends of trends-periods, last 30 days" }).waitFor();
    await expect
      .poll(() => rowsOf(page))
      .toEqual(["month@1.0.0 1", "week@1.0.0 1", "edge@1.0.0 2", "recent@1.0.0 1"]);
    const current = page.getByRole("navigation", { name: "Period" }).locator('[aria-current="page"]');
    expect(await current.allTextContents()).toEqual(["30d"]);
    await page.close();
  });

  it("asks for the period up to now on Try again, not up to when the page opened", async () => {
    const page = await ui.browser.context.newPage();
    page.setDefaultTimeout(10_000);
    // Opened two days ago (the page's clock), when the studio could not answer.
    await page.clock.setFixedTime(NOW - 48 * HOUR);
    let asked = 0;
    const untils: string[] = [];
    await page.route("**/catena/stats/trends?**", (route) => {
      untils.push(new URL(route.request().url()).searchParams.get("until") ?? "");
      if (++asked > 1) return void route.continue();
      void route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({ detail: "The studio is restarting." }),
      });
    });
    await page.goto(new URL(`/o/local/projects/p/${projectId}/trends`, ui.studio.url).toString());
    const failed = page.getByRole("alert").filter({ hasText: "The studio is restarting." });
    await failed.waitFor();
    // Tried again now: the runs of the last two days are counted (they were after the old window).
    await page.clock.setFixedTime(NOW);
    await failed.getByRole("button", { name: "Try again" }).click();
    await expect
      .poll(() => rowsOf(page))
      .toEqual(["month@1.0.0 1", "week@1.0.0 1", "edge@1.0.0 2", "recent@1.0.0 1"]);
    expect(await failed.count()).toBe(0);
    expect(untils.map((u) => Date.parse(u))).toEqual([NOW - 48 * HOUR, NOW]);
    await page.close();
  });

  it("counts only the last 24 hours, and a row's link opens the runs it counted on the day the period cuts", async () => {
    const page = await ui.browser.context.newPage();
    page.setDefaultTimeout(10_000);
    await page.clock.setFixedTime(NOW);
    await page.goto(new URL(`/o/local/projects/p/${projectId}/trends?period=24h`, ui.studio.url).toString());
    await page.getByRole("heading", { level: 1, name: "Trends of trends-periods, last 24 hours" }).waitFor();
    // The day before has two runs of `edge`; the period holds one of them.
    await expect.poll(() => rowsOf(page)).toEqual(["edge@1.0.0 1", "recent@1.0.0 1"]);
    await page.getByRole("link", { name: /^The run of edge@1\.0\.0 on / }).click();
    const runs = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect.poll(() => runs.count()).toBe(1);
    expect(await runs.first().locator("td").nth(2).textContent()).toContain("edge 23");
    await page.close();
  });
});
