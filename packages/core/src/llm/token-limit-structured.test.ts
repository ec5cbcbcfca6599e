import type { ScriptedReply } from "@catena/testing";
import { describe, expect, it } from "vitest";
import { CatenaError } from "../errors/catena-error.ts";
import { run } from "../runtime/runner.ts";
import type { Logger } from "../types.ts";
import { faultStep, label } from "./fixtures/fault-matrix.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";
import { completeJsonAnswer } from "./token-limit.ts";

// A structured answer the token limit stopped is kind `token-limit` (not `empty-answer`, which is
// retried): raise `maxTokens`. One whose JSON was complete when the limit came is whole and used,
// with a warning; the raw text decides, not LangChain's lenient parse of a streamed tool call.

const start = testServers();

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    logger: { debug: () => {}, info: () => {}, warn: (m) => warnings.push(m), error: () => {} },
  };
}

async function ask(reply: ScriptedReply, step: Record<string, unknown>, stream = false) {
  const s = await start(() => reply);
  const { logger, warnings } = recordingLogger();
  const result = await run(
    textChain("cut", faultStep(s.url, { schema: label, repairs: 2, ...step })),
    { text: "x" },
    { logger, ...(stream ? { onToken: () => {} } : {}) },
  );
  return { result, warnings, requests: s.requests.length };
}

describe("a structured answer stopped by the token limit", () => {
  it.each([
    ["json schema", {}, { content: '{"label": "refund"}', finishReason: "length" }],
    ["json mode", { method: "jsonMode" }, { content: '{"label": "refund"}', finishReason: "length" }],
    [
      "function calling",
      { method: "functionCalling" },
      { toolCalls: [{ name: "ask_answer", arguments: { label: "refund" } }], finishReason: "length" },
    ],
  ] as const)("is used when its JSON was complete (%s), with a warning", async (_how, step, reply) => {
    const { result, warnings, requests } = await ask(reply, step);
    expect(result).toMatchObject({ status: "done", output: { label: "refund" } });
    expect(requests).toBe(1);
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /reached the token limit just as its JSON was complete; it is used \(finish_reason length\); raise `maxTokens`/,
      ),
    );
  });

  it("is used when streamed function-calling arguments were complete", async () => {
    const reply = {
      toolCalls: [{ name: "ask_answer", arguments: { label: "refund" } }],
      finishReason: "length",
    };
    const { result } = await ask(reply, { method: "functionCalling" }, true);
    expect(result).toMatchObject({ status: "done", output: { label: "refund" } });
  });

  it.each([false, true])(
    "fails as token-limit, once, when streamed=%s function-calling arguments were cut (LangChain's lenient parse closes them)",
    async (stream) => {
      const reply = {
        toolCalls: [{ name: "ask_answer", arguments: '{"label": "ref' }],
        finishReason: "length",
      };
      const { result, requests } = await ask(reply, { method: "functionCalling" }, stream);
      expect(result.status).toBe("error");
      if (result.status !== "error") return;
      const cause = result.error.cause;
      expect(CatenaError.isInstance(cause) && cause.code).toBe("PROVIDER_FAILED");
      expect(cause).toMatchObject({
        details: { retryable: false, calls: [{ kind: "token-limit", retryable: false }] },
      });
      expect((cause as Error).message).toMatch(
        /cut off by the token limit before it was complete \(finish_reason length\)\. Raise the step's `maxTokens`/,
      );
      expect(requests).toBe(1);
    },
  );
});

describe("completeJsonAnswer", () => {
  it("judges the raw text: an object or array that parses strictly is whole, a bare value or a cut one is not", () => {
    expect(completeJsonAnswer({ content: '{"a": [1, 2]}' })).toBe(true);
    expect(completeJsonAnswer({ content: "[1, 2]" })).toBe(true);
    expect(completeJsonAnswer({ content: '{"a": [1, 2' })).toBe(false);
    // "12" may be "123" cut; a fenced answer cut before its closing fence does not parse.
    expect(completeJsonAnswer({ content: "12" })).toBe(false);
    expect(completeJsonAnswer({ content: '```json\n{"a": 1}' })).toBe(false);
    const call = (args: string) => ({
      content: "",
      additional_kwargs: { tool_calls: [{ function: { name: "f", arguments: args } }] },
    });
    expect(completeJsonAnswer(call('{"a": 1}'))).toBe(true);
    expect(completeJsonAnswer(call('{"a": '))).toBe(false);
  });
});
