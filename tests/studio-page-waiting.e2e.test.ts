/*
 * The studio's page while it waits and when what it waits for is not there, in a real Chromium
 * against a real `catena studio` process: a slow studio's views say they are loading (they looked
 * empty, as if there were no runs), and a project link to no project says so.
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

/** A page whose requests to the studio's API wait until `release` is called. */
async function heldPage(): Promise<{ page: Page; release: () => Promise<void> }> {
  const held: Route[] = [];
  let holding = true;
  const page = await ui.open("/", {
    prepare: (p) => {
      void p.route("**/*", async (route) => {
        if (holding && route.request().resourceType() === "fetch") held.push(route);
        else await route.continue();
      });
    },
  });
  return {
    page,
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
});

async function runRows(page: Page, count: number): Promise<void> {
  const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
  await expect.poll(() => rows.count()).toBe(count);
}
