import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, expect, it } from "vitest";
import { runBatch } from "../batch/run-batch.ts";
import { expectFault, faultStep } from "./fixtures/fault-matrix.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";

// The provider fault matrix, where the call went: a refused key names the server that refused it,
// as the OpenAI client chose it (its own base URL, else OPENAI_BASE_URL), and never shows a
// credential the base URL carries (see fixtures/fault-matrix.ts).

const start = testServers();

const given = process.env.OPENAI_BASE_URL;
afterEach(() => {
  if (given === undefined) delete process.env.OPENAI_BASE_URL;
  else process.env.OPENAI_BASE_URL = given;
});

/** A gateway's key, carried in its base URL's path. */
const TOKEN = "sk-gw-7Qz4Kp9Xw2Lm8Vt3Rb6Nc1Hy5";

/** A model instance at a gateway `/v1/<key>`, whose fetch routes the call to the test server. */
const atGateway = (url: string) =>
  new ChatOpenAI({
    model: "gpt-4.1-mini-2025-04-14",
    apiKey: "k",
    maxRetries: 0,
    configuration: {
      baseURL: `${url}/${TOKEN}`,
      fetch: (input: string | URL | Request, init?: RequestInit) =>
        fetch(String(input instanceof Request ? input.url : input).replace(`/${TOKEN}`, ""), init),
    },
  });

describe("the provider fault matrix: which server a refused key is about", () => {
  it("names the server of OPENAI_BASE_URL for an OpenAI instance made with no base URL", async () => {
    await expectFault(start, {
      name: "401 at OPENAI_BASE_URL",
      reply: () => ({ fail: 401, message: "Incorrect API key provided: k." }),
      step: (url) => {
        // Made before the variable is set (a module's model, then dotenv): LangChain read no base
        // URL, and the OpenAI client reads the variable itself when it is made, on the first call.
        const model = new ChatOpenAI({ model: "gpt-4.1-mini-2025-04-14", apiKey: "k", maxRetries: 0 });
        process.env.OPENAI_BASE_URL = url;
        return { model };
      },
      code: "PROVIDER_FAILED",
      kind: "client",
      requests: 1,
      retryable: false,
      message:
        /last: 401 Incorrect API key provided: k\. Check the API key the server at http:\/\/127\.0\.0\.1:\d+\/v1 expects \(the `apiKey` option, else OPENAI_API_KEY\)/,
    });
  });

  it("keeps a key in the base URL's path out of the message and the results file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catena-gateway-key-"));
    try {
      const s = await start(() => ({ fail: 401, message: "Incorrect API key provided: k." }));
      const chain = textChain("faults", faultStep(s.url, { model: atGateway(s.url) }));
      const checkpoint = join(dir, "results.jsonl");
      const summary = await runBatch(chain, [{ text: "x" }], { checkpoint, collect: true });
      expect(summary).toMatchObject({ failed: 1 });
      const cause = (summary.results?.[0]?.error as { cause?: { message?: string } } | undefined)?.cause;
      expect(cause?.message).toMatch(
        /Check the API key the server at http:\/\/127\.0\.0\.1:\d+\/v1\/<redacted> expects/,
      );
      const file = await readFile(checkpoint, "utf8");
      expect(file).toContain("/v1/<redacted>");
      expect(file).not.toContain(TOKEN);
      expect(JSON.stringify(summary)).not.toContain(TOKEN);
      expect(s.chatRequests()).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
