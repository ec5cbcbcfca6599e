import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBatch } from "../batch/run-batch.ts";
import { CatenaError } from "../errors/catena-error.ts";
import { run } from "../runtime/runner.ts";
import { faultStep } from "./fixtures/fault-matrix.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";
import { redactSecrets } from "./secret-text.ts";

// A gateway's or proxy's error text may echo the URL it was asked for and the credential it was
// given. Catena shows the provider's message (it says what went wrong), so the secrets in it are
// hidden: in the error, its calls, its cause, and the results file a batch writes.

const start = testServers();
const KEY = "sk-proj-Zq8vN3xK7mW2pL9tR4yB6cD1";
const PATH_KEY = "Kp3x9QmZ2vR7tLw8YbN4cH6j";
const dir = mkdtempSync(join(tmpdir(), "catena-secret-echo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a provider error that echoes the call's secrets", () => {
  it("hides the key and the bearer token a gateway echoes, and keeps what went wrong", async () => {
    const s = await start(() => ({ fail: 401, message: `Invalid credentials ${KEY}.`, echoRequest: true }));
    const result = await run(textChain("echo", faultStep(s.url, { apiKey: KEY })), { text: "x" });
    expect(result.status).toBe("error");
    if (result.status !== "error") return;
    const cause = result.error.cause;
    expect(CatenaError.isInstance(cause)).toBe(true);
    if (!CatenaError.isInstance(cause)) return;
    // The server did echo it: the request carried the key.
    expect(s.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    const everything = JSON.stringify(result.error);
    expect(cause.message).toMatch(
      /last: 401 Invalid credentials <redacted>\. \(request POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions, authorization: Bearer <redacted>\)\. Check the API key/,
    );
    expect(everything).not.toContain(KEY);
    expect(String((cause.cause as Error).stack)).not.toContain(KEY);
  });

  it("hides the secret path segment of the base URL a server echoes", async () => {
    // The test server knows no route under the secret segment and says which it was asked for.
    const s = await start(() => ({ content: "never" }));
    const result = await run(textChain("echo", faultStep(`${s.url}/${PATH_KEY}`, { apiKey: KEY })), {
      text: "x",
    });
    expect(s.requests[0]?.path).toContain(PATH_KEY);
    expect(result.status).toBe("error");
    if (result.status !== "error") return;
    const cause = result.error.cause;
    if (!CatenaError.isInstance(cause)) throw new Error("no CatenaError");
    expect(cause.message).toContain(
      "last: 404 openai test server: no route POST /v1/<redacted>/chat/completions.",
    );
    expect(cause.details).toMatchObject({
      calls: [{ kind: "client", status: 404, baseURL: expect.stringMatching(/\/v1\/<redacted>$/) }],
    });
    expect(JSON.stringify(result.error)).not.toContain(PATH_KEY);
  });

  it("writes no secret to a batch's results file", async () => {
    const s = await start(() => ({ fail: 500, message: `upstream ${KEY} failed`, echoRequest: true }));
    const checkpoint = join(dir, "results.jsonl");
    const summary = await runBatch(textChain("echo", faultStep(s.url, { apiKey: KEY })), [{ text: "a" }], {
      checkpoint,
      concurrency: 1,
    });
    expect(summary.failed).toBe(1);
    const written = readFileSync(checkpoint, "utf8");
    expect(written).toContain("upstream <redacted> failed");
    expect(written).toContain("Bearer <redacted>");
    expect(written).not.toContain(KEY);
  });
});

describe("redactSecrets", () => {
  it("hides keys, tokens and secrets in URLs, and leaves routes, models and words", () => {
    expect(
      redactSecrets(
        "No route for https://user:pw@gw.example/v1/sk-live-4f9a8b7c6d5e/chat?api_key=abc123&model=gpt-4.1 (Bearer eyJhbGciOi.x.y)",
      ),
    ).toBe(
      "No route for https://<redacted>@gw.example/v1/<redacted>/chat?api_key=<redacted>&model=gpt-4.1 (Bearer <redacted>)",
    );
    expect(redactSecrets("Incorrect API key provided: sk-proj-abcdefgh1234. See the docs.")).toBe(
      "Incorrect API key provided: <redacted>. See the docs.",
    );
    expect(redactSecrets('Route "/v1/Kp3x9QmZ2vR7tLw8YbN4cH6j/chat" not found')).toBe(
      'Route "/v1/<redacted>/chat" not found',
    );
    expect(redactSecrets("token=s3cr3tvalue; x-api-key: abcd1234efgh")).toBe(
      "token=<redacted>; x-api-key: <redacted>",
    );
    expect(redactSecrets('api_key="a b c d" and Token 9f8e7d6c5b4a')).toBe(
      'api_key="<redacted>" and Token <redacted>',
    );
    expect(
      redactSecrets(
        "keys gsk_abcdefghij0123456789KLMN, xai-abcdefghij0123456789KLMN and AIzaSyA1234567890abcdefghijklmnopqrst",
      ),
    ).toBe("keys <redacted>, <redacted> and <redacted>");
    expect(redactSecrets("https://gw.example/v1/chat?key=abc%20def#top")).toBe(
      "https://gw.example/v1/chat?key=<redacted>#top",
    );
    expect(redactSecrets("a gateway said abcdefgh12345678", ["abcdefgh12345678"])).toBe(
      "a gateway said <redacted>",
    );
    for (const kept of [
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
      "The model `gpt-4.1-mini-2025-04-14` does not exist.",
      "Rate limit reached for gpt-4.1-mini in organization org-abc on tokens per min (TPM): Limit 200000, Used 199000.",
      "POST /v1/chat/completions failed",
      "This model's maximum token length is 4096.",
      "Invalid token provided",
      "Missing secret: configure it in the dashboard",
      "Basic authentication is not supported; use a Bearer token",
      "See https://platform.openai.com/docs/guides/error-codes#api-errors.",
      "See https://example.com/docs/ and https://example.com/search?q=a%20b&lang=en",
    ]) {
      expect(redactSecrets(kept)).toBe(kept);
    }
  });
});
