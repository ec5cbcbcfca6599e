/*
 * What the studio's page calls things a reviewer did not name, in a real Chromium against a real
 * `catena studio` process, runs sent with the real langsmith SDK: a trained classifier's model
 * (a content hash) in Trends and in a trace's step details, the tier of a chain without a cascade,
 * feedback without a reviewer's name, the project a Trends or queue page is of, and each view's tab title.
 */
import { randomUUID } from "node:crypto";
import { Client } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-labels");
let client: Client;
const HASH = "3f9a1c0be4d2877a6c5e0f1b2d3c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f";

beforeAll(() => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
});

/** A finished root run of `chain` traced as Catena traces it, with `metadata` on top; returns its id. */
async function rootRun(project: string, chain: string, metadata: Record<string, unknown>): Promise<string> {
  const id = randomUUID();
  const start = new Date(Date.now() - 60_000);
  await client.createRun({
    id,
    trace_id: id,
    dotted_order: `${start
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.(\d{3})Z$/, "$1000Z")}${id}`,
    name: chain,
    run_type: "chain",
    project_name: project,
    inputs: { text: "hello" },
    outputs: { answer: "hi" },
    start_time: start.toISOString(),
    end_time: new Date(start.getTime() + 20).toISOString(),
    extra: { metadata: { chain, version: "1.0.0", status: "done", ms: 20, ...metadata } },
  });
  return id;
}

describe("the studio's page names what has no name", () => {
  it("shows a classifier's model as a short hash (full on hover) and an LLM-only chain's tier as llm", async () => {
    await rootRun("labels-trends", "banking", { tier: "linear", model: HASH, tokens_in: 0 });
    await rootRun("labels-trends", "sql-qa", { model: "gpt-test", tokens_in: 240, tokens_out: 30 });
    const project = (await client.readProject({ projectName: "labels-trends" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}/trends`);
    const rows = page.getByRole("table", { name: "Trends" }).locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    const banking = rows.filter({ hasText: "banking@1.0.0" });
    const model = banking.locator("td").nth(2);
    expect(await model.textContent()).toBe(`classifier ${HASH.slice(0, 8)}`);
    expect(await model.getAttribute("title")).toBe(HASH);
    const sql = rows.filter({ hasText: "sql-qa@1.0.0" });
    expect(await sql.locator("td").nth(2).textContent()).toBe("gpt-test");
    expect(await sql.locator("td").nth(2).getAttribute("title")).toBeNull();
    // The tiers and the LLM share agree: a run that called the model without a cascade is the LLM's.
    expect(await sql.locator("td").nth(6).textContent()).toBe("llm 100%");
    expect(await sql.locator("td").nth(7).textContent()).toBe("100%");
    await page.close();
  });

  it("lists feedback without a reviewer's name as such, not as its source type, and keeps it stored as sent", async () => {
    const run = await rootRun("labels-feedback", "triage", { tier: "rules" });
    const project = (await client.readProject({ projectName: "labels-feedback" })).id;
    // As the page sends it without a name, as the langsmith SDK sends it by default, and a named one.
    await client.createFeedback(run, "rating", {
      score: 4,
      feedbackSourceType: "app",
      sourceInfo: { via: "catena-studio" },
    });
    await client.createFeedback(run, "helpful", { score: 1 });
    await client.createFeedback(run, "accuracy", {
      score: 0,
      feedbackSourceType: "app",
      sourceInfo: { reviewer: "ana", via: "catena-studio" },
    });
    const page = await ui.open(`/o/local/projects/p/${project}/r/${run}`);
    const list = page.getByRole("list", { name: "Feedback given" });
    await expect.poll(() => list.locator("li").count()).toBe(3);
    const giver = async (key: string) =>
      (await list.locator("li").filter({ hasText: key }).locator(".muted").textContent())
        ?.split(" · ")[0]
        ?.trim();
    expect(await giver("rating")).toBe("(no name)");
    expect(await giver("helpful")).toBe("(no name, through the API)");
    expect(await giver("accuracy")).toBe("ana");
    const stored = [];
    for await (const f of client.listFeedback({ runIds: [run] })) stored.push(f);
    expect(stored.find((f) => f.key === "rating")?.feedback_source).toMatchObject({
      type: "app",
      metadata: { via: "catena-studio" },
    });
    await page.close();
  });

  it("shows a classifier's model in a step's details as a short hash, the full one a hover or a Copy away", async () => {
    const fingerprint = HASH.split("").reverse().join("");
    const run = await seedTrace(client, {
      project: "labels-steps",
      chain: "banking",
      version: "1.0.0",
      status: "done",
      tier: "linear",
      metadata: { model: HASH, fingerprint },
      start: new Date(Date.now() - 5000),
      inputs: { text: "where is my card" },
      outputs: { label: "card_arrival" },
      steps: [{ name: "linear", kind: "classify", ms: 2, metadata: { tier: "linear", model: HASH } }],
    });
    const project = (await client.readProject({ projectName: "labels-steps" })).id;
    await ui.browser.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: ui.studio.url,
    });
    const page = await ui.open(`/o/local/projects/p/${project}/r/${run}`);
    await page.getByRole("button", { name: "Step linear" }).click();
    const model = page
      .getByRole("region", { name: "Step details" })
      .locator("dl.facts")
      .getByText("model", { exact: true })
      .locator("xpath=following-sibling::dd[1]");
    await expect.poll(() => model.locator("code").textContent()).toBe(`classifier ${HASH.slice(0, 8)}`);
    expect(await model.locator("code").getAttribute("title")).toBe(HASH);
    expect(await model.textContent()).not.toContain(HASH);
    // By keyboard: the Copy button puts the whole hash on the clipboard.
    const copy = model.getByRole("button", { name: "Copy the full model hash" });
    await copy.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => copy.textContent()).toBe("copied");
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(HASH);
    // The chain's fingerprint (a hash as long) is shortened the same way in the trace's heading.
    const head = page.locator(".trace-head");
    expect(await head.locator("code").textContent()).toBe(fingerprint.slice(0, 12));
    expect(await head.locator("code").getAttribute("title")).toBe(fingerprint);
    await page.close();
  });

  it("names the project in the headings of its Trends and its annotation queue", async () => {
    await rootRun("labels-named", "triage", { tier: "rules" });
    const project = (await client.readProject({ projectName: "labels-named" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}/trends`);
    await page.getByRole("heading", { name: "Trends of labels-named, last 30 days" }).waitFor();
    await page.getByRole("link", { name: "Annotation queue" }).click();
    await page.getByRole("heading", { name: "Annotation queue of labels-named" }).waitFor();
    await page.close();
  });

  it("names each browser tab after what it shows, not 'Catena studio' for every view", async () => {
    const run = await rootRun("labels-titles", "triage", { tier: "rules" });
    const project = (await client.readProject({ projectName: "labels-titles" })).id;
    const titles: Record<string, string> = {
      [`/o/local/projects/p/${project}`]: "Runs · labels-titles — Catena studio",
      [`/o/local/projects/p/${project}/trends`]: "Trends · labels-titles — Catena studio",
      [`/o/local/projects/p/${project}/queue`]: "Annotation queue · labels-titles — Catena studio",
      [`/o/local/projects/p/${project}/r/${run}`]: "Trace triage@1.0.0 · labels-titles — Catena studio",
      "/o/local/projects": "Projects — Catena studio",
      "/o/local/reviews": "Paused reviews — Catena studio",
    };
    const page = await ui.open("/");
    for (const [path, title] of Object.entries(titles)) {
      await page.goto(new URL(path, ui.studio.url).toString());
      await expect.poll(() => page.title()).toBe(title);
    }
    await page.close();
  });
});
