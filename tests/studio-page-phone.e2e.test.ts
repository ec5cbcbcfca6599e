/*
 * The studio's page on a phone, where there is no keyboard outside a text field, in a real Chromium
 * against a real `catena studio` process: the annotation queue's rating is saved with a button
 * (it was saved with Enter only), and filters applied from the keyboard leave the focus on the
 * folded filters' summary, right above the runs found (it fell to the top of the page); the runs
 * table does not scroll sideways (each run a card of labelled lines: Status and Tier were out of
 * sight to the right), and a step's tier badge stays on one line.
 */
import { Client } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { llmStep, seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-phone");
const viewport = { width: 390, height: 844 };
let client: Client;

beforeAll(() => {
  client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
});

describe("the studio's page on a phone", () => {
  it("saves a rating in the annotation queue with a tap, and moves to the next item", async () => {
    const runs: string[] = [];
    for (let i = 0; i < 2; i++)
      runs.push(
        await seedTrace(client, {
          project: "phone-queue",
          chain: "triage",
          version: "1.0.0",
          status: "deferred",
          start: new Date(Date.now() - (10 - i) * 1000),
          inputs: { ticket: `ticket ${i}` },
          outputs: { label: "hardware" },
          steps: [],
        }),
      );
    const project = (await client.readProject({ projectName: "phone-queue" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}/queue`, { viewport });
    const current = page.getByRole("region", { name: "Current item" });
    await expect.poll(() => current.textContent()).toContain("ticket 1");
    const save = current.getByRole("button", { name: /^Save/ });
    expect(await save.isDisabled()).toBe(true);
    await current.getByRole("button", { name: "Rate 4" }).click();
    expect(await save.textContent()).toBe("Save 4");
    const box = await save.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(viewport.width);
    await save.click();
    await page.getByRole("status").filter({ hasText: "Rating 4 saved" }).waitFor();
    await expect.poll(() => current.textContent()).toContain("ticket 0");
    const feedback = [];
    for await (const f of client.listFeedback({ runIds: [runs[1] ?? ""] })) feedback.push(f);
    expect(feedback.map((f) => [f.key, f.score])).toEqual([["rating", 4]]);
    await page.close();
  });

  it("applies a filter from the keyboard and leaves the focus on the folded filters, above the runs found", async () => {
    for (const [i, tier] of ["rules", "llm"].entries())
      await seedTrace(client, {
        project: "phone-filters",
        chain: `chain-${tier}`,
        version: "1.0.0",
        status: "done",
        tier,
        start: new Date(Date.now() - (10 - i) * 1000),
        inputs: { ticket: `ticket ${i}` },
        outputs: { label: "x" },
        steps: [],
      });
    const project = (await client.readProject({ projectName: "phone-filters" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}`, { viewport });
    const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    const summary = page.locator("details.filters-fold > summary");
    await summary.focus();
    await page.keyboard.press("Enter");
    await page.getByLabel("Tier").focus();
    await page.keyboard.type("LLM");
    await page.keyboard.press("Enter");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.locator("td").nth(1).textContent()).toBe("chain-llm@1.0.0");
    // Folded again, its summary holds the focus and names the filter; Tab goes on to the run found.
    expect(await page.evaluate("document.activeElement?.textContent")).toContain("Tier LLM");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(`document.activeElement?.getAttribute("aria-label")`)).toMatch(/^Open trace /);
    await page.close();
  });

  it("shows every value of a run without sideways scrolling, Status and Tier in sight, the table intact for screen readers", async () => {
    const run = await seedTrace(client, {
      project: "phone-cards",
      chain: "support-ticket-triage",
      version: "12.3.0-beta.4",
      status: "deferred",
      tier: "classifier",
      start: new Date(Date.now() - 5000),
      inputs: { ticket: "my laptop will not charge since the update and the support line keeps hanging up" },
      outputs: { label: "hardware", reason: "the charger is fine, the battery driver is not" },
      steps: [
        {
          name: "classify-with-the-trained-classifier",
          kind: "classify",
          ms: 12,
          metadata: { tier: "keyword-scores", confidence: 0.61, threshold: 0.85 },
        },
        llmStep("my laptop will not charge", "hardware"),
      ],
    });
    await client.createFeedback(run, "rating", { score: 4 });
    await client.createFeedback(run, "correctness", { score: 1 });
    const project = (await client.readProject({ projectName: "phone-cards" })).id;
    const page = await ui.open(`/o/local/projects/p/${project}`, { viewport });
    const table = page.getByRole("table", { name: "Runs" });
    const row = table.locator("tbody tr").first();
    await expect.poll(() => row.locator("td").last().textContent()).toContain("correctness");
    // Nothing scrolls sideways: not the page, not the table's box.
    const widths = (await page.evaluate(`(() => {
      const box = document.querySelector(".table-scroll");
      return [document.documentElement.scrollWidth, box.scrollWidth, box.clientWidth];
    })()`)) as number[];
    expect(widths[0]).toBeLessThanOrEqual(viewport.width);
    expect(widths[1]).toBeLessThanOrEqual(widths[2] ?? 0);
    // Every cell is on screen, its value beside its column's name.
    const cells = row.locator("td");
    expect(await cells.count()).toBe(11);
    for (let i = 0; i < 11; i++) {
      const box = await cells.nth(i).boundingBox();
      expect(box).not.toBeNull();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= viewport.width).toBe(true);
    }
    const labelled = (name: string) => row.locator(`td[data-label="${name}"]`);
    expect(await labelled("Status").textContent()).toBe("deferred");
    expect(await labelled("Tier").textContent()).toBe("classifier");
    const label = (name: string) =>
      page.evaluate(
        `getComputedStyle(document.querySelector('table.runs tbody td[data-label="${name}"]'), "::before").content`,
      );
    expect(await label("Status")).toContain("Status");
    // Chromium still gives a screen reader a table: column headers (off screen) and cells.
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as {
      nodes: Array<{ role?: { value?: string }; name?: { value?: string } }>;
    };
    const named = (role: string) =>
      nodes.filter((n) => n.role?.value === role).map((n) => n.name?.value ?? "");
    expect(named("table")).toContain("Runs");
    expect(named("columnheader")).toEqual(expect.arrayContaining(["Status", "Tier", "Feedback"]));
    expect(named("cell").length).toBeGreaterThanOrEqual(11);
    // The visible column names are not read out again beside the headers.
    expect(named("cell")).toContain("deferred");
    await cdp.detach();
    // Every part of the table says its role outright: WebKit (VoiceOver) drops the roles of a
    // table's parts shown as blocks, which Chromium keeps, so the AX tree above cannot show it.
    const roles = (await page.evaluate(`(() => {
      const parts = document.querySelectorAll("table.runs, table.runs thead, table.runs tbody, table.runs tr, table.runs th, table.runs td");
      return [...new Set([...parts].map((e) => e.tagName.toLowerCase() + "=" + e.getAttribute("role")))];
    })()`)) as string[];
    expect(roles.sort()).toEqual([
      "table=table",
      "tbody=rowgroup",
      "td=cell",
      "th=columnheader",
      "thead=rowgroup",
      "tr=row",
    ]);

    // In the trace, a step's tier badge stays whole on one line, on screen (a tier named with a
    // hyphen broke there, squeezed by the step's other facts beside its name).
    await row.getByRole("link", { name: /^Open trace / }).click();
    const step = page.getByRole("button", { name: "Step classify-with-the-trained-classifier" });
    const badge = step.locator(".badge");
    await expect.poll(() => badge.textContent()).toBe("keyword-scores");
    // One line box for its text, and the badge no taller than it (it was stretched to the height
    // of the step's name, broken over four lines beside it).
    const [lines, textHeight, badgeHeight] = (await page.evaluate(`(() => {
      const badge = document.querySelector('button[aria-label="Step classify-with-the-trained-classifier"] .badge');
      const range = document.createRange();
      range.selectNodeContents(badge);
      return [range.getClientRects().length, range.getBoundingClientRect().height, badge.getBoundingClientRect().height];
    })()`)) as number[];
    expect(lines).toBe(1);
    expect(badgeHeight).toBeLessThanOrEqual((textHeight ?? 0) + 4);
    // The step's name has the row's width, its facts under it: beside them it broke over four lines.
    const [nameHeight, lineHeight] = (await page.evaluate(`(() => {
      const name = document.querySelector('button[aria-label="Step classify-with-the-trained-classifier"] .step-name');
      const range = document.createRange();
      range.selectNodeContents(name.firstChild);
      return [name.getBoundingClientRect().height, range.getClientRects()[0].height];
    })()`)) as number[];
    expect(nameHeight).toBeLessThan((lineHeight ?? 0) * 2);
    const box = await badge.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(viewport.width);
    const pageWidth = await page.evaluate("document.documentElement.scrollWidth");
    expect(pageWidth).toBeLessThanOrEqual(viewport.width);
    await page.close();
  });
});

describe("the studio's page in a wider window", () => {
  it("keeps a step's name readable beside its facts at 780 px, and a long feedback key from widening the runs table", async () => {
    const run = await seedTrace(client, {
      project: "wide-window",
      chain: "support-ticket-triage",
      version: "12.3.0-beta.4",
      status: "deferred",
      tier: "classifier",
      start: new Date(Date.now() - 5000),
      inputs: { ticket: "my laptop will not charge since the update" },
      outputs: { label: "hardware" },
      steps: [
        {
          name: "classify-with-the-trained-classifier",
          kind: "classify",
          ms: 12,
          metadata: { tier: "keyword-scores", confidence: 0.61, threshold: 0.85 },
        },
      ],
    });
    await client.createFeedback(run, "answer-matches-the-reference-label-exactly", { score: 1 });
    const project = (await client.readProject({ projectName: "wide-window" })).id;

    // A desktop window: the feedback key's badge wraps in its cell (unbroken, it pushed the table
    // past the window and it scrolled sideways).
    const page = await ui.open(`/o/local/projects/p/${project}`, { viewport: { width: 1400, height: 800 } });
    const row = page.getByRole("table", { name: "Runs" }).locator("tbody tr").first();
    await expect.poll(() => row.locator("td").last().textContent()).toContain("answer-matches");
    const [scrollWidth, clientWidth] = (await page.evaluate(`(() => {
      const box = document.querySelector(".table-scroll");
      return [box.scrollWidth, box.clientWidth];
    })()`)) as number[];
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth ?? 0);

    // Two columns at 780 px: the step's facts wrap beside its name, which had four lines there.
    await page.setViewportSize({ width: 780, height: 800 });
    await row.getByRole("link", { name: /^Open trace / }).click();
    const step = page.getByRole("button", { name: "Step classify-with-the-trained-classifier" });
    await step.waitFor();
    // The lines of the name's text, and of the tier badge's.
    const [nameLines, badgeLines] = (await page.evaluate(`(() => {
      const step = document.querySelector('button[aria-label="Step classify-with-the-trained-classifier"]');
      const lines = (node) => {
        const range = document.createRange();
        range.selectNodeContents(node);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      };
      return [lines(step.querySelector(".step-name").firstChild), lines(step.querySelector(".badge"))];
    })()`)) as number[];
    expect(nameLines).toBeLessThanOrEqual(2);
    expect(badgeLines).toBe(1);
    await page.close();
  });
});
