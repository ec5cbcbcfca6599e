import { parseArgs } from "node:util";
import { loadServerScript } from "./load-server-script.ts";
import { startOpenAiTestServer } from "./openai-test-server.ts";
import type { TestServerOptions } from "./server-script.ts";

const USAGE = `Usage: catena-test-server [--port 8787] [--host 127.0.0.1] [--script answers.json|script.ts]

An OpenAI-compatible server (chat completions, structured output, streaming, embeddings, failures)
that answers from a script, for trying chains without a provider. Point a chain at it with
OPENAI_BASE_URL=<the printed URL> OPENAI_API_KEY=test. Stop it with Ctrl-C.

  --port <n>       port to listen on (default 0: a free port, printed)
  --host <addr>    interface (default 127.0.0.1)
  --script <file>  .json: an array of replies, or {"rules": [{"when": "<regex>", "reply": {...}}],
                   "default": {...}, "replies": [...], "rateLimit": {...}, "chaos": {...}};
                   .js/.ts: a module whose default export is a function (request, info) => reply
  -h, --help       this text
`;

/**
 * The `catena-test-server` command: starts the server, prints its URL (and how to point a chain at
 * it), and resolves to the exit code once it is stopped by SIGINT or SIGTERM.
 */
export async function serverCommand(
  argv: readonly string[],
  io: { out(text: string): void; err(text: string): void } = {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
  },
): Promise<number> {
  let values: { port?: string; host?: string; script?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: "string" },
        host: { type: "string" },
        script: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    io.err(`catena-test-server: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const port = Number(values.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    io.err(`catena-test-server: --port must be an integer from 0 to 65535 (got "${values.port}").\n`);
    return 2;
  }
  let options: TestServerOptions;
  try {
    options = values.script === undefined ? {} : await loadServerScript(values.script);
  } catch (error) {
    io.err(`catena-test-server: cannot use --script ${values.script}: ${(error as Error).message}\n`);
    return 2;
  }
  let server: Awaited<ReturnType<typeof startOpenAiTestServer>>;
  try {
    server = await startOpenAiTestServer({
      ...options,
      port,
      ...(values.host === undefined ? {} : { host: values.host }),
    });
  } catch (error) {
    io.err(`catena-test-server: cannot listen on port ${port}: ${(error as Error).message}\n`);
    return 1;
  }
  io.out(
    `OpenAI-compatible test server at ${server.url}\n` +
      `  OPENAI_BASE_URL=${server.url} OPENAI_API_KEY=test npx catena run <chain> --text "..."\n` +
      `  ${values.script === undefined ? "no --script: chat requests get 400" : `script: ${values.script}`}; stop with Ctrl-C\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  io.err(`catena-test-server: stopped (${signal}), ${server.requests.length} requests served\n`);
  return 0;
}
