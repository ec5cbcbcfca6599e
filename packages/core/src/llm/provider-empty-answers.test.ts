import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScriptedReply } from "@catena/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../runtime/runner.ts";
import { ATTEMPTS, faultStep } from "./fixtures/fault-matrix.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";

// An empty answer is an answer ("reply with nothing if there is no PII"): it is the step's output,
// from one call, unless the provider billed tokens for text it did not send (retried), the token
// limit cut it off (provider-faults-broken-200.test.ts), or the step says `allowEmpty: false`.

const start = testServers();

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-empty-answers-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ask = async (url: string, options: Record<string, unknown> = {}, stream = false) =>
  run(
    textChain("empty", faultStep(url, options)),
    { text: "Name the PII in: the sky is blue" },
    {
      ...(stream ? { onToken: () => {} } : {}),
    },
  );

describe("an llm step given an empty answer", () => {
  it.each<{ name: string; reply: ScriptedReply; stream?: boolean; output: string }>([
    { name: "empty content, finish_reason stop", reply: { content: "" }, output: "" },
    { name: "a newline", reply: { content: "\n" }, output: "\n" },
    { name: "empty content, streamed", reply: { content: "" }, stream: true, output: "" },
    {
      name: "a tool call (billed) with no text",
      reply: { toolCalls: [{ name: "lookup", arguments: { q: "pii" } }] },
      output: "",
    },
  ])("uses $name as the output, from one call", async ({ reply, stream, output }) => {
    const s = await start(() => reply);
    const result = await ask(s.url, {}, stream);
    expect(result.status === "error" ? result.error.message : result.status).toBe("done");
    expect(result.output).toBe(output);
    expect(s.chatRequests()).toHaveLength(1);
  });

  it("answers a repeat of an empty answer from the cache", async () => {
    const s = await start(() => ({ content: "" }));
    const first = await ask(s.url, { cache: dir });
    const again = await ask(s.url, { cache: dir });
    expect([first.status, first.output, again.status, again.output]).toEqual(["done", "", "done", ""]);
    expect(s.chatRequests()).toHaveLength(1);
  });

  it("retries it with `allowEmpty: false`, and does not take an empty answer from the cache", async () => {
    const s = await start(() => ({ content: "" }));
    expect((await ask(s.url, { cache: dir })).status).toBe("done");
    const result = await ask(s.url, { cache: dir, allowEmpty: false });
    expect(result.status).toBe("error");
    const cause = result.status === "error" ? result.error.cause : undefined;
    expect(cause).toMatchObject({
      code: "PROVIDER_FAILED",
      details: { retryable: true, calls: [{ kind: "empty-answer" }, { kind: "empty-answer" }] },
    });
    expect((cause as Error).message).toMatch(
      /last: the model answered with empty content \(finish_reason stop\) and the step has `allowEmpty: false`\. Check the provider's status/,
    );
    // One call for the first step, then every attempt of the second: the cached "" was not used.
    expect(s.chatRequests()).toHaveLength(1 + ATTEMPTS);
  });
});
