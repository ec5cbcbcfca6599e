/*
 * The studio's web page through a reviewer's day, in a real Chromium against a real `catena
 * studio` process: correcting a deferred run from the queue, reading a failed step's error, the
 * page in a phone-sized window, walking a long queue with the keyboard, and going from a trace back
 * to the project's runs.
 */
import { Client } from "langsmith";
import type { Locator, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-reviewer");
let client: Client;

/** Banking-intents' output schema, as `catena` describes the chain to the studio. */
const OUTPUT_SCHEMA = {
  type: "object",
  properties: {
    label: { type: "string" },
    confidence: { type: "number" },
    tier: { type: "string" },
  },
  required: ["label", "confidence", "tier"],
  additionalProperties: false,
};

/** What a cascade that no tier answered with enough confidence outputs: its best cheap guess. */
const DEFERRED_OUTPUT = {
  status: "deferred",
  deferred: {
    cascade: "intent",
    best: {
      tier: "linear",
      result: {
        label: "country_support",
        confidence: 0.58,
        top: [
          { label: "country_support", confidence: 0.58 },
          { label: "card_acceptance", confidence: 0.11 },
        ],
      },
    },
    errors: [{ tier: "llm", error: { name: "StepError", message: "no provider configured" } }],
  },
};

beforeAll(async () => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
  const described = await fetch(`${ui.studio.url}/catena/chains/fp-banking-1.0.0`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      name: "banking",
      version: "1.0.0",
      mermaid: 'stateDiagram-v2\n  state "intent (cascade)" as s1\n  [*] --> s1\n  s1 --> [*]',
      output: OUTPUT_SCHEMA,
    }),
  });
  expect(described.status).toBe(200);
});

async function projectOf(name: string): Promise<string> {
  return (await client.readProject({ projectName: name })).id;
}

async function feedbackOf(run: string) {
  const all = [];
  for await (const f of client.listFeedback({ runIds: [run] })) all.push(f);
  return all;
}

/** Seeds `count` deferred runs of the banking chain in `project`, newest last; returns their ids. */
async function seedDeferred(project: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(
      await seedTrace(client, {
        project,
        chain: "banking",
        version: "1.0.0",
        status: "deferred",
        start: new Date(Date.now() - (count - i) * 1000),
        inputs: { text: `question number ${i} about my card abroad` },
        outputs: DEFERRED_OUTPUT,
        steps: [{ name: "intent", kind: "cascade", ms: 2, outputs: DEFERRED_OUTPUT }],
      }),
    );
  }
  return ids;
}

describe("the studio's web page for a reviewer", () => {
  it("corrects a deferred run from the queue, starting from its best guess", async () => {
    const [run = ""] = await seedDeferred("deferred-correction", 1);
    const page = await ui.open(`/o/local/projects/p/${await projectOf("deferred-correction")}/queue`);
    await page.getByRole("region", { name: "Current item" }).waitFor();
    await page.keyboard.press("e");
    const editor = page.getByLabel("Corrected output");
    // The editor holds the cascade's best guess in the shape of the chain's output, not the
    // deferral's record (which no correction could keep: it does not fit the schema).
    expect(JSON.parse(await editor.inputValue())).toEqual({
      label: "country_support",
      confidence: 0.58,
      tier: "linear",
    });
    expect(await page.getByRole("list", { name: "Correction problems" }).count()).toBe(0);
    await editor.fill('{"label": "card_acceptance", "confidence": 1, "tier": "human"}');
    await editor.press("Control+Enter");
    await page.getByRole("status").filter({ hasText: "Correction saved" }).waitFor();
    const corrections = (await feedbackOf(run)).filter((f) => f.key === "correction");
    expect(corrections.map((f) => f.correction)).toEqual([
      { label: "card_acceptance", confidence: 1, tier: "human" },
    ]);
    await page.close();
  });

  it("shows a failed step's fix sentence, never a piece of a message cut short for the trace", async () => {
    const run = await seedTrace(client, {
      project: "cut-errors",
      chain: "sql",
      version: "1.0.0",
      status: "error",
      start: new Date(Date.now() - 5000),
      inputs: { text: "how many orders in march" },
      steps: [
        {
          name: "write-sql",
          kind: "llm",
          ms: 3,
          error:
            'StepError [STEP_FAILED]: Step "write-sql" (llm) failed: llm step "write-sql": the answer of m does not match the output schema: sql: Invalid input: expected string; reasoning: Invalid input: e … (82 characters left out) … ved undefined. Make the prompt state the expected shape, allow more `repairs`, or loosen the schema.',
          metadata: { error_code: "STEP_FAILED" },
        },
        {
          name: "summary",
          kind: "code",
          ms: 1,
          error:
            'StepError [STEP_FAILED]: Step "write-sql" (llm) failed: llm step "write-sql": the answer o … (362 characters left out) … epairs`, or loosen the schema.',
          metadata: { error_code: "STEP_FAILED" },
        },
      ],
    });
    const page = await ui.open(`/o/local/projects/p/${await projectOf("cut-errors")}/r/${run}`);
    const alert = page.getByRole("alert").filter({ hasText: "STEP_FAILED" });
    await page.getByRole("button", { name: "Step write-sql" }).click();
    await expect
      .poll(() => alert.textContent())
      .toContain(
        "Fix: Make the prompt state the expected shape, allow more `repairs`, or loosen the schema.",
      );
    expect(await alert.locator("p", { hasText: "Fix:" }).textContent()).not.toContain("left out");
    // Only the end of the message is left: no fix can be told from it.
    await page.getByRole("button", { name: "Step summary" }).click();
    await expect.poll(() => alert.textContent()).toContain("362 characters left out");
    expect(await alert.textContent()).not.toContain("Fix:");
    await page.close();
  });

  it("fits a phone-sized window: no view scrolls sideways, the step details stay on screen", async () => {
    const [run = ""] = await seedDeferred("narrow", 2);
    const project = await projectOf("narrow");
    const viewport = { width: 390, height: 844 };
    // A string, run in the page: the tests' TypeScript has no DOM types.
    const sideways = (page: Page) =>
      page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");

    const runs = await ui.open(`/o/local/projects/p/${project}`, { viewport });
    await expect.poll(() => runs.getByRole("table", { name: "Runs" }).locator("tbody tr").count()).toBe(2);
    expect(await sideways(runs)).toBeLessThanOrEqual(0);
    await runs.close();

    const trace = await ui.open(`/o/local/projects/p/${project}/r/${run}`, { viewport });
    const details = trace.getByRole("region", { name: "Step details" });
    await details.waitFor();
    expect(await sideways(trace)).toBeLessThanOrEqual(0);
    const box = await details.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(viewport.width);
    await trace.close();

    const trends = await ui.open(`/o/local/projects/p/${project}/trends`, { viewport });
    await expect
      .poll(() => trends.getByRole("table", { name: "Trends" }).locator("tbody tr").count())
      .toBe(1);
    expect(await sideways(trends)).toBeLessThanOrEqual(0);
    await trends.close();

    const queue = await ui.open(`/o/local/projects/p/${project}/queue`, { viewport });
    const current = queue.getByRole("region", { name: "Current item" });
    await current.waitFor();
    expect(await sideways(queue)).toBeLessThanOrEqual(0);
    const item = await current.boundingBox();
    expect((item?.x ?? 0) + (item?.width ?? 0)).toBeLessThanOrEqual(viewport.width);
    await queue.close();
  });

  it("in a long queue, tells the items apart by their input and keeps the one picked with j in view", async () => {
    await seedDeferred("long-queue", 40);
    const viewport = { width: 1280, height: 700 };
    const page = await ui.open(`/o/local/projects/p/${await projectOf("long-queue")}/queue`, { viewport });
    const items = page.getByRole("list", { name: "Queue items" }).getByRole("button");
    await expect.poll(() => items.count()).toBe(40);
    // Newest first: each item says which question it is.
    expect(await items.first().textContent()).toContain("question number 39");
    expect(await items.nth(1).textContent()).toContain("question number 38");
    for (let i = 0; i < 30; i++) await page.keyboard.press("j");
    const selected = page.locator(".queue-list li[aria-current='true']");
    await expect.poll(() => selected.textContent()).toContain("question number 9");
    await expect.poll(() => inView(selected, viewport)).toBe(true);
    // And the item itself, its input and rating, is on screen too.
    await expect.poll(() => inView(page.getByRole("region", { name: "Current item" }), viewport)).toBe(true);
    await page.close();
  });

  it("goes from a trace back to its project's runs, also when the trace was opened from its own link", async () => {
    const [run = ""] = await seedDeferred("way-back", 1);
    const project = await projectOf("way-back");
    const page = await ui.open(`/o/local/projects/p/${project}?status=deferred`);
    await page.getByRole("link", { name: `Open trace ${run}` }).click();
    await page.getByRole("region", { name: "Step details" }).waitFor();
    await page.getByRole("link", { name: "Runs of way-back" }).click();
    await page.getByRole("table", { name: "Runs" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/o/local/projects/p/${project}`);
    // A trace opened from its own link (no page before it) still leads to the project.
    const direct = await ui.open(`/o/local/projects/p/${project}/r/${run}`);
    await direct.getByRole("link", { name: "Runs of way-back" }).click();
    await direct.getByRole("table", { name: "Runs" }).waitFor();
    expect(new URL(direct.url()).pathname).toBe(`/o/local/projects/p/${project}`);
    await direct.close();
    await page.close();
  });

  it("keeps the step picked in a trace across a reload, and Back still leaves the trace", async () => {
    const run = await seedTrace(client, {
      project: "steps",
      chain: "banking",
      version: "1.0.0",
      status: "done",
      tier: "linear",
      start: new Date(Date.now() - 3000),
      inputs: { text: "where is my card" },
      outputs: { label: "card_arrival", confidence: 0.9, tier: "linear" },
      steps: [
        { name: "prepare", kind: "code", ms: 1, outputs: { text: "where is my card" } },
        { name: "linear", kind: "classify", ms: 2, outputs: { label: "card_arrival" } },
      ],
    });
    const project = await projectOf("steps");
    const page = await ui.open(`/o/local/projects/p/${project}`);
    await page.getByRole("link", { name: `Open trace ${run}` }).click();
    await page.getByRole("button", { name: "Step prepare" }).click();
    await page.getByRole("button", { name: "Step linear" }).click();
    const details = page.getByRole("region", { name: "Step details" });
    await expect.poll(() => details.getByRole("heading").first().textContent()).toBe("linear");
    await page.reload();
    await expect.poll(() => details.getByRole("heading").first().textContent()).toBe("linear");
    expect(await page.getByRole("button", { name: "Step linear" }).getAttribute("aria-pressed")).toBe("true");
    // Picking steps replaced the entry: one Back is the runs again.
    await page.goBack();
    await page.getByRole("table", { name: "Runs" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/o/local/projects/p/${project}`);
    await page.close();
  });

  it("pages back from a later page opened in a tab of its own, and says which page it is", async () => {
    for (let i = 0; i < 55; i++)
      await seedTrace(client, {
        project: "paging",
        chain: "banking",
        version: "1.0.0",
        status: "done",
        start: new Date(Date.now() - (60 - i) * 1000),
        inputs: { text: `paged question ${i}` },
        outputs: { label: "card_arrival", confidence: 1, tier: "rules" },
        steps: [],
      });
    const project = await projectOf("paging");
    const page = await ui.open(`/o/local/projects/p/${project}`);
    const firstCell = page.getByRole("table", { name: "Runs" }).locator("tbody tr td.preview").first();
    await expect.poll(() => firstCell.textContent()).toContain("paged question 54");
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => firstCell.textContent()).toContain("paged question 4");
    // The second page in a tab of its own: its history has no page before it.
    const tab = await ui.open(new URL(page.url()).pathname + new URL(page.url()).search);
    const tabCell = tab.getByRole("table", { name: "Runs" }).locator("tbody tr td.preview").first();
    await expect.poll(() => tabCell.textContent()).toContain("paged question 4");
    await tab.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => tabCell.textContent()).toContain("paged question 54");
    expect(new URL(tab.url()).pathname).toBe(`/o/local/projects/p/${project}`);
    expect(await tab.getByRole("button", { name: "Previous page" }).count()).toBe(0);
    await tab.close();
    // Where in the list the reader is.
    expect(await page.getByText("Page 2").count()).toBe(1);
    await page.close();
  });

  it("says an empty project has no runs yet, not that no run matches filters nobody set", async () => {
    const created = await fetch(`${ui.studio.url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "nothing-yet" }),
    });
    const { id } = (await created.json()) as { id: string };
    const page = await ui.open(`/o/local/projects/p/${id}`);
    await page.getByText("No runs in this project yet").waitFor();
    expect(await page.getByText("No runs match these filters.").count()).toBe(0);
    await page.getByLabel("Chain").fill("banking");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("No runs match these filters.").waitFor();
    await page.close();
  });

  it("draws a failed run's path to the graph's failed state, past the llm step's attempts", async () => {
    const mermaid = [
      "stateDiagram-v2",
      '  state "write-sql (llm)" as s1',
      '  state "run-sql (code)" as s2',
      "  [*] --> s1",
      "  s1 --> s2 : done",
      "  s1 --> end_failed : error",
      "  s2 --> end_done : done",
      '  state "done" as end_done',
      "  end_done --> [*]",
      '  state "failed" as end_failed',
      "  end_failed --> [*]",
    ].join("\n");
    const described = await fetch(`${ui.studio.url}/catena/chains/fp-sql-2.0.0`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "sql", version: "2.0.0", mermaid }),
    });
    expect(described.status).toBe(200);
    const run = await seedTrace(client, {
      project: "failed-graph",
      chain: "sql",
      version: "2.0.0",
      status: "error",
      start: new Date(Date.now() - 2000),
      inputs: { text: "how many orders" },
      steps: [
        { name: "write-sql", kind: "llm", ms: 3, error: "StepError [STEP_FAILED]: no answer" },
        { name: "write-sql (attempt 1)", kind: "model-call", ms: 1, error: "ModelOutputError: bad json" },
      ],
    });
    const page = await ui.open(`/o/local/projects/p/${await projectOf("failed-graph")}/r/${run}`);
    const graph = page.getByRole("img", { name: "Chain graph with the path taken" });
    await graph.waitFor();
    const taken = graph.locator("g.node.taken");
    await expect
      .poll(async () => (await taken.allTextContents()).sort())
      .toEqual(["failed", "start", "write-sql (llm)"]);
    // start → write-sql and write-sql → failed.
    expect(await graph.locator(".edge.taken").count()).toBe(2);
    await page.close();
  });

  it("in the queue, comes back from an item's trace (and through a reload) to that item, not the first", async () => {
    await seedDeferred("queue-place", 5);
    const page = await ui.open(`/o/local/projects/p/${await projectOf("queue-place")}/queue`);
    const current = page.getByRole("region", { name: "Current item" });
    await expect.poll(() => current.textContent()).toContain("question number 4");
    for (let i = 0; i < 3; i++) await page.keyboard.press("j");
    await expect.poll(() => current.textContent()).toContain("question number 1");
    await current.getByRole("link", { name: "open the trace" }).click();
    await page.getByRole("region", { name: "Step details" }).waitFor();
    await page.goBack();
    await expect.poll(() => current.textContent()).toContain("question number 1");
    await page.reload();
    await expect.poll(() => current.textContent()).toContain("question number 1");
    // The keys still walk from there.
    await page.keyboard.press("j");
    await expect.poll(() => current.textContent()).toContain("question number 0");
    await page.close();
  });
});

/** Whether the element's top is inside the window of `viewport`'s size, and its width wholly. */
async function inView(element: Locator, viewport: { width: number; height: number }): Promise<boolean> {
  const box = await element.boundingBox();
  return (
    box !== null && box.y >= 0 && box.y < viewport.height && box.x >= 0 && box.x + box.width <= viewport.width
  );
}
