/*
 * What the tracing tests share: a studio started in-process on a free port for one test file, the
 * clients that read it back (Catena's and the SDK's), and a chain with every construct that makes
 * runs of its own.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assign, cascade, code, defineChain, map, regex, retry, sequence } from "@catena/core";
import { type TraceClient, traceClient } from "@catena/core/tracing";
import { startStudio } from "@catena/studio";
import { Client } from "langsmith";
import { afterAll, beforeAll } from "vitest";
import { z } from "zod";

/** The studio of one test file and its clients, set in the file's `beforeAll`. */
export interface TracingStudio {
  /** The file's temporary directory (holds the database; removed after the file). */
  readonly dir: string;
  readonly studio: Awaited<ReturnType<typeof startStudio>>;
  /** Catena's client of the studio. */
  readonly reader: TraceClient;
  /** The langsmith SDK's client of the studio. */
  readonly sdk: Client;
}

/** Registers the file's `beforeAll` (a studio on a fresh database) and `afterAll` (closed, removed). */
export function useTracingStudio(): TracingStudio {
  const state: Partial<{ -readonly [K in keyof TracingStudio]: TracingStudio[K] }> = {};
  const get = <K extends keyof TracingStudio>(key: K): TracingStudio[K] => {
    const value = state[key];
    if (value === undefined) throw new Error(`the tracing studio's ${key} is set in beforeAll`);
    return value as TracingStudio[K];
  };
  beforeAll(async () => {
    state.dir = await mkdtemp(join(tmpdir(), "catena-tracing-"));
    state.studio = await startStudio({ port: 0, dbPath: join(state.dir, "studio.db") });
    state.reader = traceClient({ apiUrl: state.studio.url });
    state.sdk = new Client({ apiUrl: state.studio.url, apiKey: "test" });
  });
  afterAll(async () => {
    await state.studio?.close();
    if (state.dir) await rm(state.dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return get("dir");
    },
    get studio() {
      return get("studio");
    },
    get reader() {
      return get("reader");
    },
    get sdk() {
      return get("sdk");
    },
  };
}

let flakyCalls = 0;
/** A chain with every construct that makes runs of its own: a cascade, a retry and a map. */
export const shapes = defineChain({
  name: "trace-shapes",
  version: "2.1.0",
  input: z.object({ text: z.string() }),
  output: z.unknown(),
  flow: sequence(
    code("normalize", ({ text }: { text: string }) => ({ text: text.trim().toLowerCase() })),
    assign(
      "route",
      cascade("route", [
        { step: regex("rules", { rules: [{ label: "billing", pattern: /\brefund\b/ }] }), threshold: 0.9 },
        { step: code("keywords", () => ({ label: "shipping", confidence: 0.8 })), threshold: 0.7 },
      ]),
    ),
    retry(
      code("flaky", (data) => {
        flakyCalls++;
        if (flakyCalls % 2 === 1) throw new Error("transient failure");
        return data;
      }),
      { attempts: 3, backoff: { initialMs: 1, jitter: false } },
    ),
    map("words", {
      over: (data: { text: string }) => data.text.split(" "),
      node: code("upper", (word: string) => word.toUpperCase()),
      concurrency: 2,
    }),
  ),
});
