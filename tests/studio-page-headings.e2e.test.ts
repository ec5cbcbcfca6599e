/*
 * The outline of each view of the studio's page, as a screen reader's heading list shows it, in a
 * real Chromium against a real `catena studio` process: every view has one `h1` (its title; the
 * views had `h2`s and no `h1`) and its other headings go down one level at a time, also while a
 * view failed to load; after a link the focus is on that `h1`.
 */
import { Client } from "langsmith";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { llmStep, seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-headings");
let client: Client;
let projectId = "";
let runId = "";
let datasetId = "";

beforeAll(async () => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
  runId = await seedTrace(client, {
    project: "outline",
    chain: "triage",
    version: "1.0.0",
    status: "deferred",
    start: new Date(Date.now() - 60_000),
    inputs: { text: "the printer is on fire" },
    outputs: { label: "hardware" },
    steps: [llmStep("the printer is on fire", "hardware")],
  });
  projectId = (await client.readProject({ projectName: "outline" })).id;
  datasetId = (await client.createDataset("outline-tickets")).id;
});

/** The levels of the headings in `main`, in document order (a string: the tests have no DOM types). */
const levels = (page: Page) =>
  page.evaluate(
    `[...document.querySelectorAll("main h1, main h2, main h3, main h4, main h5, main h6")].map((h) => Number(h.tagName[1]))`,
  ) as Promise<number[]>;

/** The heading levels' problems: not one h1, an h1 not first, or a level skipped on the way down. */
function outlineProblems(found: number[]): string[] {
  const problems: string[] = [];
  if (found.filter((l) => l === 1).length !== 1) problems.push(`${found.filter((l) => l === 1).length} h1`);
  if (found[0] !== 1) problems.push(`first heading is h${found[0]}`);
  for (let i = 1; i < found.length; i++)
    if ((found[i] ?? 0) > (found[i - 1] ?? 0) + 1) problems.push(`h${found[i - 1]} then h${found[i]}`);
  return problems;
}

describe("the headings of the studio's page", () => {
  it("gives every view one h1, its other headings in order", async () => {
    const views: Array<[string, string]> = [
      ["/o/local/projects", "Projects"],
      ["/o/local/datasets", "Datasets"],
      ["/o/local/reviews", "Paused reviews"],
      [`/o/local/projects/p/${projectId}`, "outline"],
      [`/o/local/projects/p/${projectId}/trends`, "Trends of outline, last 30 days"],
      [`/o/local/projects/p/${projectId}/queue`, "Annotation queue of outline"],
      [`/o/local/projects/p/${projectId}/r/${runId}`, "triage@1.0.0"],
      [`/o/local/datasets/${datasetId}`, "outline-tickets: experiments"],
      [`/o/local/datasets/${datasetId}/compare`, "Compare experiments"],
      // Views that could not load keep their title.
      [`/o/local/projects/p/${crypto.randomUUID()}`, "Project"],
      [`/o/local/r/${crypto.randomUUID()}`, "Trace"],
    ];
    const failing = new Set(["Project", "Trace"]);
    const page = await ui.open("/o/local/projects");
    const seen: Record<string, string[]> = {};
    for (const [path, title] of views) {
      await page.goto(new URL(path, ui.studio.url).toString());
      // A view that fails is looked at once it has failed: the runs view says "Project" while it
      // loads too, and its outline then was not the failed view's.
      if (failing.has(title)) await page.getByRole("alert").filter({ hasText: "Could not load" }).waitFor();
      await page.getByRole("heading", { level: 1, name: title, exact: true }).waitFor();
      // The trace's step details and feedback come with it; the queue's item with the queue.
      if (path.includes("/r/") && title !== "Trace")
        await page
          .getByRole("region", { name: "Step details" })
          .getByRole("heading", { level: 3 })
          .first()
          .waitFor();
      if (path.endsWith("/queue")) await page.getByRole("region", { name: "Current item" }).waitFor();
      seen[title] = outlineProblems(await levels(page));
    }
    expect(seen).toEqual(Object.fromEntries(views.map(([, title]) => [title, []])));
    // The trace's outline as a reader walks it: the chain, then the step and its parts, the feedback.
    await page.goto(new URL(`/o/local/projects/p/${projectId}/r/${runId}`, ui.studio.url).toString());
    await page.getByRole("region", { name: "Feedback" }).waitFor();
    const outline = await page.evaluate(
      `[...document.querySelectorAll("main h1, main h2, main h3")].map((h) => h.tagName + " " + h.textContent.trim())`,
    );
    expect(outline).toEqual(["H1 triage@1.0.0", "H2 triage", "H3 Inputs", "H3 Outputs", "H2 Feedback"]);
    await page.close();
  });

  it("puts the focus on the new view's h1 after a link, also from a view to a view that loads", async () => {
    const page = await ui.open(`/o/local/projects/p/${projectId}`);
    await page.getByRole("heading", { level: 1, name: "outline" }).waitFor();
    const focused = () =>
      page.evaluate(
        "(document.activeElement?.tagName ?? '') + ': ' + (document.activeElement?.textContent ?? '').trim()",
      ) as Promise<string>;
    for (const [link, heading] of [
      ["Trends", "H1: Trends of outline, last 30 days"],
      ["Annotation queue", "H1: Annotation queue of outline"],
      ["Runs", "H1: outline"],
    ] as const) {
      const tab = page.getByRole("navigation", { name: "Project views" }).getByRole("link", { name: link });
      await tab.focus();
      await page.keyboard.press("Enter");
      await expect.poll(focused).toBe(heading);
    }
    await page.close();
  });
});
