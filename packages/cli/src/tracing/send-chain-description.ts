import type { AnyChain } from "@catena/core";
import type { TracingBackend } from "@catena/core/tracing";

/** How long a command waits for the studio to take a chain's description. */
const SEND_TIMEOUT_MS = 2000;

/**
 * Sends the chains' descriptions (graph, input and output JSON Schemas) to the studio the command
 * traces to, so that its page can draw the graph of a trace and check corrections against the
 * output schema. Nothing for LangSmith; a failure is ignored: tracing never stops a command.
 */
export async function sendChainDescriptions(
  backend: TracingBackend | undefined,
  chains: readonly AnyChain[],
): Promise<void> {
  if (backend === undefined || backend.kind !== "studio") return;
  // Loaded here: `catena run` without a studio must not load the describe command.
  const { describeChain } = await import("../commands/describe.ts");
  const key = process.env.CATENA_STUDIO_API_KEY?.trim();
  const base = backend.url.replace(/\/+$/, "");
  await Promise.all(
    chains.map(async (chain) => {
      try {
        const {
          examples: _examples,
          source: _source,
          ...description
        } = describeChain(chain, "", [chain.version]);
        await fetch(`${base}/catena/chains/${encodeURIComponent(chain.fingerprint)}`, {
          method: "PUT",
          headers: { "content-type": "application/json", ...(key ? { "x-api-key": key } : {}) },
          body: JSON.stringify(description),
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
      } catch {
        // The page then shows the trace without the graph.
      }
    }),
  );
}
