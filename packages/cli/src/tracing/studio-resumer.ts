import type { ChainRegistry } from "@catena/core";
import type { ReviewResumer } from "@catena/studio";
import { loadChains } from "../chains/load-chains.ts";
import { resumePausedRun } from "./resume-paused-run.ts";

/**
 * What `catena studio` resumes decided reviews with: the chains are loaded on the first decision
 * (built-in, `catena.config.json`, `--chains`), and the resumed run traces to the studio itself,
 * continuing the trace it paused in.
 */
export function studioResumer(options: {
  cwd: string;
  modules: readonly string[];
  url: () => string;
  apiKey: string | undefined;
}): ReviewResumer {
  let registry: Promise<ChainRegistry> | undefined;
  return async (_review, snapshot, decision, reviewer) => {
    registry ??= loadChains({ cwd: options.cwd, modules: options.modules }).then((l) => l.registry);
    const chains = await registry.catch((error: unknown) => {
      registry = undefined;
      throw error;
    });
    const { langsmithTracer, STUDIO_PLACEHOLDER_KEY } = await import("@catena/core/tracing");
    const tracer = langsmithTracer({
      apiUrl: options.url(),
      apiKey: options.apiKey ?? STUDIO_PLACEHOLDER_KEY,
    });
    try {
      const result = await resumePausedRun(chains, snapshot as never, decision, {
        tracer,
        ...(reviewer === undefined ? {} : { reviewer }),
      });
      return { status: result.status };
    } finally {
      await tracer.flush();
      tracer.close();
    }
  };
}
