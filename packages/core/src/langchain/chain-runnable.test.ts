import { setTimeout as sleep } from "node:timers/promises";
import { startOpenAiTestServer } from "@catena/testing";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { RunnableLambda, RunnableSequence } from "@langchain/core/runnables";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { InputValidationError, StepError } from "../errors/errors.ts";
import { RunDeferredError, RunWaitingError } from "../errors/run-outcome-errors.ts";
import { assign, cascade, flow, review, sequence } from "../flows/flow-nodes.ts";
import { resume } from "../runtime/runner.ts";
import { code } from "../steps/code-step.ts";
import { llm } from "../steps/llm-step.ts";
import { regex } from "../steps/regex-step.ts";
import type { ChainStreamEvent } from "./chain-runnable.ts";
import { toRunnable } from "./to-runnable.ts";

const Ticket = z.object({ text: z.string().min(1) });

/** Routes a ticket: a regex tier for refunds, then a weak fallback tier. */
const triage = defineChain({
  name: "triage",
  version: "1.0.0",
  input: Ticket,
  output: z.object({ text: z.string(), queue: z.string(), tier: z.string() }),
  flow: sequence(
    code("normalize", ({ text }: { text: string }) => ({ text: text.trim().toLowerCase() })),
    assign(
      "route",
      cascade("route", [
        {
          step: regex("refund-words", { rules: [{ label: "billing", pattern: /refund|charged/ }] }),
          threshold: 0.9,
        },
        { step: code("fallback", () => ({ label: "other", confidence: 0.3 })), accept: () => false },
      ]),
    ),
    code("compose", (d: { text: string; route: { label: string; tier: string } }) => ({
      text: d.text,
      queue: d.route.label,
      tier: d.route.tier,
    })),
  ),
});

describe("toRunnable: a chain as a LangChain Runnable", () => {
  it("returns the chain's output from invoke, as one step of an LCEL sequence", async () => {
    const runnable = await toRunnable(triage);
    const pipeline = RunnableSequence.from([
      (text: string) => ({ text }),
      runnable,
      (out: { queue: string }) => out.queue,
    ]);
    expect(await pipeline.invoke("  I want a REFUND ")).toBe("billing");
    expect(await pipeline.invoke("where is my parcel")).toBe("other");
    // Streaming the sequence, the chain passes on its output, not its step events.
    const chunks: string[] = [];
    for await (const chunk of await pipeline.stream("charged twice")) chunks.push(chunk);
    expect(chunks).toEqual(["billing"]);
  });

  it("works as a LangGraph node whose output updates the graph's state", async () => {
    const State = Annotation.Root({
      text: Annotation<string>,
      queue: Annotation<string>,
      tier: Annotation<string>,
      reply: Annotation<string>,
    });
    const graph = new StateGraph(State)
      .addNode("triage", await toRunnable(triage))
      .addNode("write-reply", (s: typeof State.State) => ({ reply: `sent to ${s.queue} by ${s.tier}` }))
      .addEdge(START, "triage")
      .addEdge("triage", "write-reply")
      .addEdge("write-reply", END)
      .compile();
    const state = await graph.invoke({ text: "Please refund me" });
    expect(state).toMatchObject({ queue: "billing", reply: "sent to billing by refund-words" });
  });

  it("streams a step-finished event per step, then the output", async () => {
    const runnable = await toRunnable(triage);
    const events: ChainStreamEvent<unknown>[] = [];
    for await (const event of await runnable.streamSteps({ text: "where is my parcel" })) events.push(event);
    expect(events.map((e) => (e.type === "step" ? `${e.name}:${e.status}` : e.type))).toEqual([
      "normalize:done",
      "refund-words:escalated",
      "fallback:escalated",
      "compose:done",
      "output",
    ]);
    expect(events[1]).toMatchObject({ kind: "regex", tier: "refund-words", output: { label: null } });
    expect(events[0]).toMatchObject({ output: { text: "where is my parcel" } });
    expect(events.at(-1)).toMatchObject({
      type: "output",
      output: { queue: "other", tier: "fallback" },
      runId: expect.any(String),
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    });
  });

  it("ends the stream with the run's error after the steps that ran", async () => {
    const failing = defineChain({
      name: "failing",
      version: "1.0.0",
      input: Ticket,
      output: z.unknown(),
      flow: sequence(
        code("ok", (d: unknown) => d),
        code("boom", () => {
          throw new Error("disk full");
        }),
      ),
    });
    const seen: string[] = [];
    const consume = async () => {
      for await (const event of await (await toRunnable(failing)).streamSteps({ text: "x" })) {
        seen.push(event.type === "step" ? `${event.name}:${event.status}` : event.type);
      }
    };
    await expect(consume()).rejects.toThrow(StepError);
    expect(seen).toEqual(["ok:done", "boom:error"]);
  });

  it("runs a batch through the runner at most maxConcurrency at a time, outputs in input order", async () => {
    let inFlight = 0;
    let most = 0;
    const slow = defineChain({
      name: "slow",
      version: "1.0.0",
      input: z.object({ n: z.number() }),
      output: z.number(),
      flow: code("square", async ({ n }: { n: number }) => {
        most = Math.max(most, ++inFlight);
        await sleep(5 + (n % 3) * 5);
        inFlight--;
        return n * n;
      }),
    });
    const runnable = await toRunnable(slow);
    const inputs = Array.from({ length: 12 }, (_, n) => ({ n }));
    expect(await runnable.batch(inputs, { maxConcurrency: 3 })).toEqual(inputs.map(({ n }) => n * n));
    expect(most).toBe(3);
  });

  it("returns typed errors from a batch with returnExceptions, and throws the first one without", async () => {
    const runnable = await toRunnable(triage);
    const results = await runnable.batch([{ text: "refund" }, { text: "" }], {}, { returnExceptions: true });
    expect(results[0]).toMatchObject({ queue: "billing" });
    expect(results[1]).toBeInstanceOf(InputValidationError);
    await expect(runnable.batch([{ text: "refund" }, { text: "" }])).rejects.toThrow(InputValidationError);
  });

  it("throws RunDeferredError and RunWaitingError for runs that end without an output", async () => {
    const deferring = defineChain({
      name: "deferring",
      version: "1.0.0",
      input: Ticket,
      output: z.unknown(),
      flow: cascade(
        "route",
        [{ step: code("guess", () => ({ label: "other", confidence: 0.2 })), threshold: 0.9 }],
        {
          onExhausted: "deferred",
        },
      ),
    });
    const deferred = await (await toRunnable(deferring)).invoke({ text: "hm" }).catch((e: unknown) => e);
    expect(deferred).toBeInstanceOf(RunDeferredError);
    expect((deferred as RunDeferredError).code).toBe("RUN_DEFERRED");
    expect((deferred as RunDeferredError).result.deferred.best).toMatchObject({ tier: "guess" });

    const approval = defineChain({
      name: "approval",
      version: "1.0.0",
      input: Ticket,
      output: z.object({ text: z.string(), approved: z.boolean() }),
      flow: flow(Ticket)
        .pipe(review("approve", { decision: z.object({ approved: z.boolean() }) }))
        .pipe(code("finish", (d) => ({ text: d.text, approved: d.review.approved }))),
    });
    const waiting = await (await toRunnable(approval)).invoke({ text: "refund 10" }).catch((e: unknown) => e);
    expect(waiting).toBeInstanceOf(RunWaitingError);
    const { snapshot } = (waiting as RunWaitingError).result;
    const resumed = await resume(approval, JSON.parse(JSON.stringify(snapshot)), { approved: true });
    expect(resumed.output).toEqual({ text: "refund 10", approved: true });
  });

  it("reports the chain run and each step to LangChain callbacks, with LLM calls nested under the chain", async () => {
    const server = await startOpenAiTestServer(() => ({ content: "a short answer" }));
    try {
      const ask = defineChain({
        name: "ask",
        version: "1.0.0",
        input: z.object({ question: z.string() }),
        output: z.string(),
        flow: llm("answer", {
          model: "openai:gpt-4.1-mini-2025-04-14",
          prompt: "{question}",
          baseURL: server.url,
          apiKey: "test",
        }),
      });
      type Seen = {
        event: string;
        runId: string;
        parentRunId?: string | undefined;
        name?: string | undefined;
      };
      const runs: Seen[] = [];
      class Recorder extends BaseCallbackHandler {
        name = "recorder";
        // LangChain calls it with (chain, inputs, runId, parentRunId, tags, metadata, runType, runName).
        override handleChainStart(
          _chain: unknown,
          _inputs: unknown,
          runId: string,
          parentRunId?: string,
          _tags?: string[],
          _metadata?: Record<string, unknown>,
          _runType?: string,
          name?: string,
        ) {
          runs.push({ event: "chain-start", runId, parentRunId, name });
        }
        override handleChatModelStart(_l: unknown, _m: unknown, runId: string, parentRunId?: string) {
          runs.push({ event: "chat-model-start", runId, parentRunId });
        }
        override handleCustomEvent(name: string, data: { name: string }, runId: string) {
          runs.push({ event: `custom:${name}:${data.name}`, runId });
        }
      }
      const runnable = await toRunnable(ask);
      expect(await runnable.invoke({ question: "why?" }, { callbacks: [new Recorder()] })).toBe(
        "a short answer",
      );
      const chainRun = runs.find((r) => r.event === "chain-start");
      expect(chainRun).toMatchObject({ name: "ask", parentRunId: undefined });
      expect(runs.find((r) => r.event === "chat-model-start")?.parentRunId).toBe(chainRun?.runId);
      expect(runs.find((r) => r.event === "custom:catena_step:answer")?.runId).toBe(chainRun?.runId);
      // Streamed, the llm step's event carries its tokens.
      const events: ChainStreamEvent<string>[] = [];
      for await (const event of await runnable.streamSteps({ question: "why?" })) events.push(event);
      expect(events[0]).toMatchObject({
        name: "answer",
        kind: "llm",
        usage: { inputTokens: expect.any(Number) },
      });
      expect(events[0]?.type === "step" && events[0].usage?.inputTokens).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it("surfaces steps as custom events in streamEvents", async () => {
    const runnable = await toRunnable(triage);
    const names: string[] = [];
    for await (const event of runnable.streamEvents({ text: "refund" }, { version: "v2" })) {
      if (event.event === "on_custom_event") names.push((event.data as { name: string }).name);
    }
    expect(names).toEqual(["normalize", "refund-words", "compose"]);
  });

  it("aborts the run when the LangChain call is aborted", async () => {
    const stuck = defineChain({
      name: "stuck",
      version: "1.0.0",
      input: Ticket,
      output: z.unknown(),
      flow: code("wait", async (_d: unknown, ctx) => {
        seen = ctx.signal;
        setImmediate(() => controller.abort());
        try {
          await sleep(10_000, undefined, { signal: ctx.signal });
        } catch (error) {
          stepError = error;
          throw error;
        }
      }),
    });
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    let stepError: unknown;
    await expect(
      (await toRunnable(stuck)).invoke({ text: "x" }, { signal: controller.signal }),
    ).rejects.toThrow();
    // The abort reached the step itself: its 10 s wait was cut short, not outlived.
    expect(seen?.aborted).toBe(true);
    await vi.waitFor(() => expect(stepError).toMatchObject({ name: "AbortError" }));
  });

  it("pipes after and before other runnables without a cast, streaming only its output", async () => {
    const runnable = await toRunnable(triage);
    // Type-checked by `pnpm typecheck`: `.pipe()` takes the runnable as a RunnableLike as it is.
    const piped = RunnableLambda.from((text: string) => ({ text })).pipe(runnable);
    const queue = piped.pipe((out: { queue: string }) => out.queue);
    expect(await queue.invoke("I was charged twice")).toBe("billing");
    const chunks: { queue: string }[] = [];
    for await (const chunk of await runnable.stream({ text: "refund" })) chunks.push(chunk);
    expect(chunks).toEqual([{ text: "refund", queue: "billing", tier: "refund-words" }]);
  });

  it("is a lambda-compatible Runnable: getName and pipe work", async () => {
    const runnable = await toRunnable(triage);
    expect(runnable.getName()).toBe("triage");
    const piped = runnable.pipe(RunnableLambda.from((o: { tier: string }) => o.tier));
    expect(await piped.invoke({ text: "refund" })).toBe("refund-words");
  });
});
