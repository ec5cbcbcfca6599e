/*
 * The tier a run is given on the studio's page, in a real Chromium against a real `catena studio`
 * process, runs sent with the real langsmith SDK: one rule for the runs table, its tier filter,
 * Trends and an experiment's tier mix, also for chains without a cascade (a plain LLM chain is
 * `llm`, a knn chain `knn`, a chain of code steps is `none`), and the page says what the tiers mean.
 */
import { Client } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { llmStep, type SeedTrace, seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-tiers");
let client: Client;
let project = "";
let dataset = "";
const HASH = "3f9a1c0be4d2877a6c5e0f1b2d3c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f";

/** One run of each kind, by the chain name the table shows, and the tier each must be given. */
const KINDS: Array<{ chain: string; tier: string; trace: Partial<SeedTrace> }> = [
  // A cascade: the tier that answered, as the tracer put it on the root.
  { chain: "banking", tier: "rules", trace: { tier: "rules", metadata: { tokens_in: 0 } } },
  // A cascade whose llm tier answered from the cache: no tokens, still the llm tier (and LLM share).
  { chain: "banking-cached", tier: "llm", trace: { tier: "llm", metadata: { tokens_in: 0 } } },
  // A plain LLM chain as Catena traces it: the model used and its tokens on the root.
  {
    chain: "sql-qa",
    tier: "llm",
    trace: { metadata: { model: "gpt-test", tokens_in: 120 }, steps: [llmStep("orders?", "SELECT 1")] },
  },
  // The same chain answered from the cache: no tokens, but its model still answered.
  { chain: "sql-cached", tier: "llm", trace: { metadata: { model: "gpt-test", tokens_in: 0 } } },
  // A LangChain app traced with the SDK: no Catena metadata on the root, an `llm` run under it.
  { chain: "langchain-app", tier: "llm", trace: { steps: [llmStep("hi", "hello")] } },
  // A chain whose answer is a trained classifier's (no cascade).
  { chain: "intent-only", tier: "classifier", trace: { metadata: { model: HASH, tokens_in: 0 } } },
  // A knn chain without a cascade: its step names no model (its embedder ran), no LLM ran.
  {
    chain: "knn-only",
    tier: "knn",
    trace: { metadata: { tokens_in: 0 }, steps: [{ name: "nearest", kind: "knn", ms: 2 }] },
  },
  // Code steps only: no model step ran.
  {
    chain: "normalise",
    tier: "none",
    trace: { metadata: { tokens_in: 0 }, steps: [{ name: "trim", kind: "code", ms: 1 }] },
  },
];

beforeAll(async () => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
  const created = await client.createDataset("tiers-dataset");
  dataset = created.id;
  const example = await client.createExample({ text: "x" }, { label: "y" }, { datasetId: dataset });
  await client.createProject({ projectName: "tiers", referenceDatasetId: dataset });
  for (const [i, kind] of KINDS.entries())
    await seedTrace(client, {
      project: "tiers",
      chain: kind.chain,
      version: "1.0.0",
      status: "done",
      start: new Date(Date.now() - (i + 1) * 60_000),
      // Long enough to fill the previews, which squeezed the start time beside them.
      inputs: { text: `question for ${kind.chain}: ${"my card was charged twice ".repeat(12)}` },
      outputs: { answer: `ok, ${"the second charge is refunded ".repeat(12)}` },
      steps: [],
      referenceExampleId: example.id,
      ...kind.trace,
    });
  project = (await client.readProject({ projectName: "tiers" })).id;
});

describe("the tier of a run on the studio's page", () => {
  it("is the same in the runs table, its filter, Trends and the experiment's tier mix", async () => {
    const page = await ui.open(`/o/local/projects/p/${project}`, { viewport: { width: 1440, height: 900 } });
    const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(KINDS.length);
    const shown: Record<string, string> = {};
    for (const row of await rows.all()) {
      const cells = row.locator("td");
      shown[((await cells.nth(1).textContent()) ?? "").replace("@1.0.0", "")] =
        (await cells.nth(5).textContent()) ?? "";
    }
    expect(shown).toEqual(Object.fromEntries(KINDS.map((k) => [k.chain, k.tier])));
    // On a desktop the start time is on one line (the previews beside it wrapped it onto three).
    const started = rows.first().locator("td").first().locator("a");
    expect(await started.evaluate((a) => a.getClientRects().length)).toBe(1);

    // Filtering by a tier finds the runs the column shows with it, the chains without a cascade too.
    const chainsOf = async () =>
      (await rows.locator("td:nth-child(2)").allTextContents()).map((c) => c.replace("@1.0.0", "")).sort();
    await page.getByLabel("Tier").fill("llm");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(chainsOf).toEqual(["banking-cached", "langchain-app", "sql-cached", "sql-qa"]);
    await page.getByLabel("Tier").fill("none");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(chainsOf).toEqual(["normalise"]);
    await page.getByLabel("Tier").fill("knn");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(chainsOf).toEqual(["knn-only"]);
    // Whatever the case typed: a tier is a step's name, and "Classifier" is what a person types.
    await page.getByLabel("Tier").fill("Classifier");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(chainsOf).toEqual(["intent-only"]);
    expect(new URL(page.url()).searchParams.get("tier")).toBe("Classifier");
    // A link with ?tier=LLM (shared, or typed into the address bar) finds the llm runs.
    await page.goto(new URL(`/o/local/projects/p/${project}?tier=LLM`, ui.studio.url).toString());
    await expect.poll(chainsOf).toEqual(["banking-cached", "langchain-app", "sql-cached", "sql-qa"]);
    expect(await page.getByLabel("Tier").inputValue()).toBe("LLM");

    // The page says what the tiers mean, and the filter points to it.
    const describedBy = await page.getByLabel("Tier").getAttribute("aria-describedby");
    const legend = page.locator(`#${describedBy}`);
    expect(await legend.textContent()).toContain("no model step ran");
    expect(await legend.textContent()).toContain("came from a knn step");
    await page.getByText("What the tier means").click();
    expect(await legend.isVisible()).toBe(true);

    // Trends counts each run under the tier the table gives it; the LLM share agrees.
    await page.goto(new URL(`/o/local/projects/p/${project}/trends`, ui.studio.url).toString());
    const trends = page.getByRole("table", { name: "Trends" }).locator("tbody tr");
    await expect.poll(() => trends.count()).toBe(KINDS.length);
    for (const kind of KINDS) {
      const cells = trends.filter({ hasText: `${kind.chain}@1.0.0` }).locator("td");
      expect([kind.chain, await cells.nth(6).textContent()]).toEqual([kind.chain, `${kind.tier} 100%`]);
      expect([kind.chain, await cells.nth(7).textContent()]).toEqual([
        kind.chain,
        kind.tier === "llm" ? "100%" : "0%",
      ]);
    }

    // A row's run count leads to those runs (by keyboard: the link, then Enter): its chain, version
    // and day as the runs table's filters.
    const sqlQa = trends
      .filter({ hasText: "sql-qa@1.0.0" })
      .getByRole("link", { name: /^The run of sql-qa@1.0.0 on / });
    await sqlQa.focus();
    await page.keyboard.press("Enter");
    await expect.poll(chainsOf).toEqual(["sql-qa"]);
    const filters = new URL(page.url()).searchParams;
    expect([filters.get("chain"), filters.get("version")]).toEqual(["sql-qa", "1.0.0"]);
    expect(await page.getByLabel("From").inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);

    // The project is an experiment on a dataset: its tier mix counts the same tiers.
    await page.goto(new URL(`/o/local/datasets/${dataset}`, ui.studio.url).toString());
    const experiment = page.getByRole("table", { name: "Experiments" }).locator("tbody tr");
    await expect.poll(() => experiment.count()).toBe(1);
    const mix = (await experiment.locator("td").last().textContent()) ?? "";
    expect(mix.split(", ").sort()).toEqual(
      ["classifier 13%", "knn 13%", "llm 50%", "none 13%", "rules 13%"].sort(),
    );
    await page.close();
  });
});
