/*
 * The studio's web page in a real Chromium on runs that the LangSmith API accepts but that no
 * Catena chain sends: inputs that are not objects, an update that arrived without its create, an
 * llm run whose messages are not a list, deep and wide JSON, an error of many lines. Each trace
 * must open (its heading shown) without an uncaught error in the page.
 */
import { describe, expect, it } from "vitest";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-odd");

async function send(method: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${ui.studio.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect({ path, status: response.status }).toEqual({ path, status: 202 });
}

const deep = (levels: number): unknown => (levels === 0 ? "bottom" : { next: deep(levels - 1) });

/** Posts a root run (and its children) as a LangSmith client may, and returns the root's id. */
async function oddTrace(
  root: Record<string, unknown>,
  children: Record<string, unknown>[] = [],
): Promise<string> {
  const id = crypto.randomUUID();
  const start = "2026-03-01T10:00:00.000000Z";
  await send("POST", "/runs", { id, trace_id: id, start_time: start, session_name: "odd", ...root });
  for (const child of children) {
    const childId = crypto.randomUUID();
    await send("POST", "/runs", {
      id: childId,
      trace_id: id,
      parent_run_id: id,
      start_time: start,
      session_name: "odd",
      ...child,
    });
  }
  return id;
}

describe("the studio's web page on runs of any shape", () => {
  it("opens each trace without an error in the page", async () => {
    const traces: Record<string, string> = {
      "string inputs and outputs": await oddTrace({
        name: "strings",
        run_type: "chain",
        inputs: "just a string",
        outputs: "and another",
        end_time: "2026-03-01T10:00:01.000000Z",
      }),
      "an update that came without its create": crypto.randomUUID(),
      "an llm run whose messages are no list": await oddTrace(
        { name: "odd-llm-root", run_type: "chain", inputs: {} },
        [
          {
            name: "odd-llm",
            run_type: "llm",
            inputs: { messages: "hello", prompts: [1, null, { a: 2 }] },
            outputs: { choices: "none", generations: [[{ text: 5 }]] },
            extra: {
              metadata: { ls_model_name: 42, usage_metadata: "lots", confidence: "high", threshold: null },
            },
            end_time: "2026-03-01T10:00:02.000000Z",
          },
        ],
      ),
      "deep, wide and odd JSON": await oddTrace({
        name: "deep",
        run_type: "chain",
        inputs: {
          deep: deep(60),
          wide: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])),
        },
        outputs: { list: [null, true, 1.5e300, "\u0000", { "": [] }] },
        extra: { metadata: { chain: 7, version: { x: 1 }, tier: ["a"], status: 3 } },
        end_time: "2026-03-01T10:00:03.000000Z",
      }),
      "an error of many lines": await oddTrace({
        name: "failing",
        run_type: "chain",
        inputs: { q: "x" },
        error: `Traceback (most recent call last):\n${"  File x.py, line 1\n".repeat(200)}ValueError: <script>alert(1)</script>`,
        end_time: "2026-03-01T10:00:04.000000Z",
      }),
    };
    const orphan = traces["an update that came without its create"] as string;
    await send("PATCH", `/runs/${orphan}`, {
      end_time: "2026-03-01T10:00:05.000000Z",
      outputs: { late: true },
    });

    const problems: string[] = [];
    const headings: Record<string, string | null> = {};
    for (const [what, runId] of Object.entries(traces)) {
      const page = await ui.open(`/o/-/r/${runId}`, {
        prepare: (p) => p.on("pageerror", (error) => problems.push(`${what}: ${error.message}`)),
      });
      // The trace view shows the selected run's inputs once the trace has loaded.
      await page.getByText("Inputs", { exact: true }).first().waitFor();
      await page.waitForLoadState("networkidle");
      headings[what] = await page.locator(".trace-head h1").textContent();
      // An update alone used to be dated when it arrived, months after it ended: "-24203545932 ms".
      const text = (await page.locator("body").textContent()) ?? "";
      if (/-\d+(\.\d+)? (ms|s)\b/.test(text)) problems.push(`${what}: a negative duration`);
      const alerts = await page.getByRole("alert").allTextContents();
      for (const alert of alerts)
        if (/Internal error|TypeError|undefined/.test(alert)) problems.push(`${what}: ${alert}`);
      await page.close();
    }
    // The runs table of the project lists them all too.
    const table = await ui.open("/", {
      timeoutMs: 30_000,
      prepare: (p) => p.on("pageerror", (error) => problems.push(`runs table: ${error.message}`)),
    });
    await table.getByRole("link", { name: "odd" }).click();
    const rows = table.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(4);
    await table.close();
    expect(problems).toEqual([]);
    // Chain and version metadata that are no strings (7, {x: 1}) are left out, not shown as "7@undefined".
    expect(headings["deep, wide and odd JSON"]).toBe("deep");
    expect(Object.values(headings).filter((h) => /undefined|\[object/.test(h ?? ""))).toEqual([]);
  }, 120_000);

  it("opens a run with megabytes of output showing the start of its long text and list, the rest a click away", async () => {
    const text = `${"lorem ipsum ".repeat(300_000)}THE END`;
    const list = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `item ${i}` }));
    const runId = await oddTrace({
      name: "huge",
      run_type: "chain",
      inputs: { q: "big" },
      outputs: { text, list },
      end_time: "2026-03-01T10:00:06.000000Z",
    });
    const problems: string[] = [];
    const page = await ui.open(`/o/-/r/${runId}`, {
      timeoutMs: 20_000,
      prepare: (p) => {
        p.on("pageerror", (error) => problems.push(error.message));
        // Nothing in the console either (the icon the browser asked for was a 404 there).
        p.on("console", (message) => {
          if (message.type() === "error") problems.push(message.text());
        });
      },
    });
    const outputs = page.getByRole("region", { name: "outputs" });
    const showText = outputs.getByRole("button", { name: "Show all 3,600,007 characters" });
    await showText.waitFor();
    // The page built only what is shown: before, every one of the 20,000 entries (and their
    // entries) was in the page, open or not, and the text in full, seconds of work for the browser.
    expect(await outputs.locator("*").count()).toBeLessThan(100);
    expect(await outputs.textContent()).not.toContain("THE END");
    await showText.click();
    await outputs.getByText(/THE END"$/).waitFor();

    await outputs.getByText("list", { exact: true }).click();
    const entries = outputs.locator(".json-children .json-children > details");
    await expect.poll(() => entries.count()).toBe(100);
    await outputs.getByRole("button", { name: "Show 1000 more of list (19900 not shown)" }).click();
    await expect.poll(() => entries.count()).toBe(1100);

    // A chat message as long: its bubble shows the start, the rest a click away.
    const chatId = await oddTrace({
      name: "long-chat",
      run_type: "llm",
      inputs: { messages: [{ role: "user", content: `${"word ".repeat(400_000)}LAST WORD` }] },
      outputs: { role: "assistant", content: "ok" },
      end_time: "2026-03-01T10:00:07.000000Z",
    });
    await page.goto(new URL(`/o/-/r/${chatId}`, ui.studio.url).toString());
    const messages = page.getByRole("list", { name: "Input messages" });
    const showChat = messages.getByRole("button", { name: "Show all 2,000,009 characters" });
    await showChat.waitFor();
    expect(await messages.textContent()).not.toContain("LAST WORD");
    await showChat.click();
    await messages.getByText(/LAST WORD$/).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
