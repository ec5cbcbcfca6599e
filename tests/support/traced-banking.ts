/*
 * Banking-intents traffic traced into a real studio, for the tests of `catena train --from-traces`:
 * the traffic runs through the built binary with the real ChatOpenAI answering as the LLM tier from
 * the OpenAI-compatible test server (the gold label, but a wrong one on every tenth item).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bankingSplit, INTENTS } from "@catena/chains";
import { splitDataset } from "@catena/core/ml";
import { startStudio } from "@catena/studio";
import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { Client } from "langsmith";
import { expect } from "vitest";
import { catena } from "./run-catena.ts";

/** One example of the banking data. */
export interface BankingExample {
  text: string;
  label: string;
}

// The fixed dev split, cut as bench/loop cuts it: half is traffic the chain serves, a quarter the dev
// items the candidate is calibrated and judged on (the last quarter is the benchmark's fresh part).
const cut = (() => {
  const halves = splitDataset(bankingSplit().dev, { seed: 13, devShare: 0.5, stratify: true });
  const quarters = splitDataset(halves.dev, { seed: 14, devShare: 0.5, stratify: true });
  return { traffic: halves.train, dev: quarters.train };
})();

/** The traffic the chain serves in these tests. */
export const traffic: readonly BankingExample[] = cut.traffic;
/** The dev items a candidate is calibrated and judged on (written as dev.csv). */
export const dev: readonly BankingExample[] = cut.dev;

/** A text as the gold map and the LLM script key it: NFKC, one space. */
export const keyOf = (text: string): string => text.normalize("NFKC").replace(/\s+/g, " ").trim();
/** The gold label of each traffic text. */
export const gold = new Map(traffic.map((e) => [keyOf(e.text), e.label]));
/** Every tenth traffic item gets a wrong label from the scripted LLM: the next intent in the list. */
export const wrongTexts = new Set([...gold.keys()].filter((_, i) => i % 10 === 3));
const wrongLabel = (label: string): string =>
  INTENTS[(INTENTS.indexOf(label as never) + 1) % INTENTS.length] as string;

/** Examples as the CSV `catena train` reads (`text,label`). */
export function csvOf(examples: readonly BankingExample[]): string {
  return `text,label\n${examples.map((e) => `"${e.text.replaceAll('"', '""')}",${e.label}`).join("\n")}\n`;
}

/** How the scripted LLM answers one request of the OpenAI-compatible test server. */
export type ScriptedAnswer = Parameters<typeof startOpenAiTestServer>[0];

/** The banking LLM: the gold label of a traffic text, but a wrong one on every tenth. */
const bankingAnswer: ScriptedAnswer = (_request, info) => {
  const text = info.userText.replace(/^Customer query: /, "").trim();
  const label = gold.get(text) ?? "card_arrival";
  const answer = wrongTexts.has(text) ? wrongLabel(label) : label;
  return { json: { label: answer }, tokenLogprobs: { [answer]: Math.log(0.9) } };
};

/**
 * The running studio, LLM server and working folder; filled in by {@link TracedBanking.start}. The
 * chain served and the LLM's script default to banking-intents', and can be a user's chain's.
 */
export class TracedBanking {
  readonly dir = mkdtempSync(join(tmpdir(), "catena-loop-"));
  studio!: Awaited<ReturnType<typeof startStudio>>;
  server!: OpenAiTestServer;
  client!: Client;

  /**
   * Starts the studio and the LLM server (answering as `answer` scripts it), and writes the banking
   * dev.csv into the working folder.
   */
  async start(answer: ScriptedAnswer = bankingAnswer): Promise<void> {
    this.studio = await startStudio({ port: 0, dbPath: join(this.dir, "studio.db") });
    this.client = new Client({ apiUrl: this.studio.url, apiKey: "test" });
    this.server = await startOpenAiTestServer(answer);
    writeFileSync(join(this.dir, "dev.csv"), csvOf(dev));
  }

  /** The environment the CLI traces to `project` of the studio with. */
  env(project: string): Record<string, string> {
    return {
      CATENA_STUDIO_URL: this.studio.url,
      LANGSMITH_PROJECT: project,
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: this.server.url,
    };
  }

  /**
   * `catena batch <chain>` (default banking-intents) over `items` of the traffic, traced to
   * `project`; `global` options (`--chains <module>`) go before the command, `extra` arguments after
   * it. Returns what it printed.
   */
  async serveTraffic(
    project: string,
    items: readonly BankingExample[] = traffic,
    {
      chain = "banking-intents",
      global = [],
      extra = [],
    }: { chain?: string; global?: readonly string[]; extra?: readonly string[] } = {},
  ): Promise<string> {
    const file = join(this.dir, `${project}.jsonl`);
    writeFileSync(file, items.map((e) => `${JSON.stringify({ text: e.text })}\n`).join(""));
    const r = await catena(
      [
        ...global,
        "batch",
        chain,
        "--file",
        file,
        "--out",
        join(this.dir, `${project}-out.jsonl`),
        "--concurrency",
        "8",
        ...extra,
      ],
      { cwd: this.dir, env: this.env(project), timeoutMs: 180_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  }

  /** The root runs of a project that `tier` answered (or a cheap tier, for "cheap"), with their text and answer. */
  async runs(project: string, tier = "llm"): Promise<Array<{ id: string; text: string; label: string }>> {
    const out: Array<{ id: string; text: string; label: string }> = [];
    for await (const run of this.client.listRuns({ projectName: project, isRoot: true })) {
      const outputs = run.outputs as { label?: string; tier?: string } | undefined;
      if (outputs?.label === undefined) continue;
      if (tier === "cheap" ? outputs.tier === "llm" : outputs.tier !== tier) continue;
      out.push({ id: run.id, text: String((run.inputs as { text: string }).text), label: outputs.label });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.server?.close();
    await this.studio?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
