/*
 * The studio's page while it waits and when what it waits for is not there, in a real Chromium
 * against a real `catena studio` process: a slow studio's views say they are loading (they looked
 * empty, as if there were no runs), a save still out is not sent twice by a second click or Enter,
 * and a project link to no project says so.
 */
import { randomUUID } from "node:crypto";
import { Client } from "langsmith";
import type { Page, Route } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-waiting");
let client: Client;
let project = "";

beforeAll(async () => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
  await seedTrace(client, {
    project: "waiting",
    chain: "banking",
    version: "1.0.0",
    status: "deferred",
    start: new Date(Date.now() - 5000),
    inputs: { text: "where is my card" },
    outputs: { label: "card_arrival" },
    steps: [],
  });
  project = (await client.readProject({ projectName: "waiting" })).id;
});

/**
 * A page whose requests to the studio's API (those `hold` picks, by default all) wait until
 * `release` is called.
 */
async function heldPage(
  hold: (method: string, url: string) => boolean = () => true,
): Promise<{ page: Page; release: () => Promise<void>; held: () => number }> {
  const held: Route[] = [];
  let holding = true;
  const page = await ui.open("/", {
    prepare: (p) => {
      void p.route("**/*", async (route) => {
        const request = route.request();
        if (holding && request.resourceType() === "fetch" && hold(request.method(), request.url()))
          held.push(route);
        else await route.continue();
      });
    },
  });
  return {
    page,
    held: () => held.length,
    async release() {
      holding = false;
      // A request of a page since navigated away from has nobody to answer: no matter.
      for (const route of held.splice(0)) await route.continue().catch(() => {});
    },
  };
}

describe("the studio's page while it waits", () => {
  it("says each view is loading until the studio answers, then shows what it answered", async () => {
    const views: Array<[string, string, (page: Page) => Promise<unknown>]> = [
      [`/o/local/projects/p/${project}`, "Loading the runs…", (page) => runRows(page, 1)],
      [
        `/o/local/projects/p/${project}/trends`,
        "Loading the trends…",
        (page) => page.getByRole("table", { name: "Trends" }).locator("tbody tr").first().waitFor(),
      ],
      [
        `/o/local/projects/p/${project}/queue`,
        "Loading the queue…",
        (page) => page.getByRole("region", { name: "Current item" }).waitFor(),
      ],
      [
        "/o/local/projects",
        "Loading the projects…",
        (page) => page.getByRole("link", { name: "waiting" }).waitFor(),
      ],
      ["/o/local/datasets", "Loading the datasets…", (page) => page.getByText("No datasets yet").waitFor()],
      [
        "/o/local/reviews",
        "Loading the paused reviews…",
        (page) => page.getByText("No run waits for a review.").waitFor(),
      ],
    ];
    for (const [path, loading, loaded] of views) {
      const { page, release } = await heldPage();
      await page.goto(new URL(path, ui.studio.url).toString());
      const status = page.getByRole("status").filter({ hasText: loading });
      await status.waitFor();
      expect([path, await status.getAttribute("aria-busy")]).toEqual([path, "true"]);
      // Nothing claims emptiness while the answer is out.
      expect([path, await page.getByText(/No runs|is empty|No traces yet/).count()]).toEqual([path, 0]);
      await release();
      await loaded(page);
      expect([path, await status.count()]).toEqual([path, 0]);
      await page.close();
    }
  });

  it("says a link to a project that is not there names no project, and leads to the projects", async () => {
    const missing = randomUUID();
    for (const view of ["", "/trends", "/queue"]) {
      const page = await ui.open(`/o/local/projects/p/${missing}${view}`);
      const alert = page.getByRole("alert");
      await expect.poll(() => alert.textContent()).toContain(`Session ${missing} not found`);
      expect([view, await page.getByText("No runs in this project yet").count()]).toEqual([view, 0]);
      await page.getByRole("link", { name: "See all projects" }).click();
      await page.getByRole("link", { name: "waiting" }).waitFor();
      await page.close();
    }
  });

  it("saves a rating once when it is clicked again, or Enter pressed again, while the save is out", async () => {
    const feedbackOf = async (run: string) => {
      const all = [];
      for await (const f of client.listFeedback({ runIds: [run] })) all.push(f);
      return all.map((f) => [f.key, f.score]);
    };
    const runs: string[] = [];
    for (let i = 0; i < 3; i++)
      runs.push(
        await seedTrace(client, {
          project: "slow-saves",
          chain: "banking",
          version: "1.0.0",
          status: "deferred",
          start: new Date(Date.now() - (10 - i) * 1000),
          inputs: { text: `slow question ${i}` },
          outputs: { label: "card_arrival" },
          steps: [],
        }),
      );
    const slowProject = (await client.readProject({ projectName: "slow-saves" })).id;
    const isFeedbackPost = (method: string, url: string) => method === "POST" && url.includes("/feedback");

    // The trace's feedback panel: the buttons wait with the save, which says it is under way.
    const trace = await heldPage(isFeedbackPost);
    await trace.page.goto(
      new URL(`/o/local/projects/p/${slowProject}/r/${runs[0]}`, ui.studio.url).toString(),
    );
    const panel = trace.page.getByRole("region", { name: "Feedback" });
    await panel.getByRole("button", { name: "Rate 4" }).click();
    await expect.poll(trace.held).toBe(1);
    expect(await panel.getByRole("status").textContent()).toBe("Saving…");
    expect(await panel.getByRole("button", { name: "Rate 4" }).isDisabled()).toBe(true);
    await panel.getByRole("button", { name: "Rate 4" }).click({ force: true });
    await trace.release();
    await panel.getByRole("status").filter({ hasText: "Rating 4 saved." }).waitFor();
    expect(await feedbackOf(runs[0] ?? "")).toEqual([["rating", 4]]);
    await trace.page.close();

    // The queue: Enter twice saves once and moves one item on, not past the next one unseen.
    const queue = await heldPage(isFeedbackPost);
    await queue.page.goto(new URL(`/o/local/projects/p/${slowProject}/queue`, ui.studio.url).toString());
    const current = queue.page.getByRole("region", { name: "Current item" });
    await expect.poll(() => current.textContent()).toContain("slow question 2");
    // The keys rate once the ratings the feedback configs allow are known.
    await current.getByRole("button", { name: "Rate 3" }).waitFor();
    await queue.page.keyboard.press("3");
    await queue.page.keyboard.press("Enter");
    await expect.poll(queue.held).toBe(1);
    await queue.page.keyboard.press("Enter");
    await queue.release();
    await queue.page.getByRole("status").filter({ hasText: "Rating 3 saved" }).waitFor();
    await expect.poll(() => current.textContent()).toContain("slow question 1");
    expect(await feedbackOf(runs[2] ?? "")).toEqual([["rating", 3]]);
    expect(await feedbackOf(runs[1] ?? "")).toEqual([]);
    await queue.page.close();
  });
});

async function runRows(page: Page, count: number): Promise<void> {
  const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
  await expect.poll(() => rows.count()).toBe(count);
}
