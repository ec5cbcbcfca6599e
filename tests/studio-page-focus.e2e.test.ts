/*
 * Where the keyboard's focus goes on the studio's page, in a real Chromium against a real
 * `catena studio` process: after a link followed in the page, on the new view's heading (it stayed
 * on the body, and a screen reader said nothing of the new view); after the correction editor
 * closes, back on the button that opens it (it fell to the page's top), on a trace and in the queue.
 */
import { Client } from "langsmith";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { seedTrace } from "./support/seed-studio.ts";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-focus");
let projectId = "";
let runId = "";

beforeAll(async () => {
  const client = new Client({ apiUrl: ui.studio.url, apiKey: "local", autoBatchTracing: false });
  runId = await seedTrace(client, {
    project: "focus",
    chain: "triage",
    version: "2.0.0",
    status: "deferred",
    start: new Date(Date.now() - 60_000),
    inputs: { text: "the lift is stuck" },
    outputs: { label: "facilities" },
    steps: [{ name: "classify", kind: "llm", ms: 5, outputs: { label: "facilities" } }],
  });
  projectId = (await client.readProject({ projectName: "focus" })).id;
});

/** The focused element as a reader hears it: tag and text (a string: the tests have no DOM types). */
const focused = (page: Page) =>
  page.evaluate(
    "(document.activeElement?.tagName ?? '') + ': ' + (document.activeElement?.textContent ?? '').trim()",
  ) as Promise<string>;

describe("the focus on the studio's page", () => {
  it("moves to the new view's heading after a link is followed from the keyboard", async () => {
    const page = await ui.open("/o/local/projects");
    const link = page.getByRole("link", { name: "focus", exact: true });
    await link.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("H1: focus");
    // A view whose heading comes with its data (a trace) gets it once it has come.
    await page
      .getByRole("link", { name: /^Open trace / })
      .first()
      .focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("H1: triage@2.0.0");
    // Tab goes on from there into the view, not from the page's top.
    await page.keyboard.press("Tab");
    expect(await focused(page)).not.toBe("A: Catena studio");
    await page.close();
  });

  it("comes back to the button that opened the correction editor when Escape closes it, on a trace", async () => {
    const page = await ui.open(`/o/local/projects/p/${projectId}/r/${runId}`);
    const open = page.getByRole("button", { name: "Correct the output" });
    await open.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toMatch(/^TEXTAREA/);
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByLabel("Corrected output").count()).toBe(0);
    await expect.poll(() => focused(page)).toBe("BUTTON: Correct the output");
    await page.close();
  });

  it("comes back to the queue's correction button when Escape closes the editor opened with e", async () => {
    const page = await ui.open(`/o/local/projects/p/${projectId}/queue`);
    const item = page.getByRole("region", { name: "Current item" });
    await item.waitFor();
    await page.keyboard.press("e");
    await expect.poll(() => focused(page)).toMatch(/^TEXTAREA/);
    await page.keyboard.press("Escape");
    await expect.poll(() => item.getByLabel("Corrected output").count()).toBe(0);
    await expect.poll(() => focused(page)).toBe("BUTTON: Correct the output");
    // The keys still work from there: e opens it again.
    await page.keyboard.press("e");
    await expect.poll(() => focused(page)).toMatch(/^TEXTAREA/);
    await page.close();
  });
});
