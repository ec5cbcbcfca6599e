import type { Hono } from "hono";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { agentProjectName } from "../store/agent-address.ts";
import { isUuid } from "../store/run-fields.ts";
import type { StudioStore } from "../store/studio-store.ts";

/** The project `evaluate()`'s evaluator runs go to (the SDK names it), one per studio. */
const EVALUATOR_PROJECT = "evaluators";

/**
 * Registers `GET /api/v1/sessions/resolutions` (the SDK's `client.sessions.resolve`): the project
 * an address names, as `{ session_id }`. An AGENT address (`id`, `environment`) names the project
 * its runs went to (agent-address.ts), an EXPERIMENT address (`id`) the experiment's own project,
 * the EVALUATOR address the project the SDK's evaluators trace to ({@link EVALUATOR_PROJECT}). Registered
 * before `GET /sessions/{id}`, which would read "resolutions" as an id.
 */
export function registerSessionResolutionRoutes(app: Hono, store: StudioStore): void {
  app.get("/sessions/resolutions", (c) => {
    const kind = (c.req.query("kind") ?? "").toUpperCase();
    const id = c.req.query("id") ?? "";
    if (kind === "AGENT") {
      const environment = c.req.query("environment") ?? "";
      if (id === "" || environment === "") {
        throw new StudioHttpError(
          422,
          'GET /sessions/resolutions?kind=AGENT needs "id" and "environment" (e.g. PRODUCTION).',
        );
      }
      const name = agentProjectName(id, environment);
      const [session] = store.sessions.list({ name, offset: 0, limit: 1 });
      if (session === undefined) {
        throw new StudioHttpError(
          404,
          `No runs were sent to agent ${JSON.stringify(id)} in environment ${environment.toUpperCase()} yet: its project, "${name}", is made by its first run.`,
        );
      }
      return c.json({ session_id: session.id });
    }
    if (kind === "EXPERIMENT") {
      if (!isUuid(id)) {
        throw new StudioHttpError(
          422,
          'GET /sessions/resolutions?kind=EXPERIMENT needs the experiment\'s "id".',
        );
      }
      return c.json({ session_id: store.sessions.require(id.toLowerCase()).id });
    }
    if (kind === "EVALUATOR") {
      const [session] = store.sessions.list({ name: EVALUATOR_PROJECT, offset: 0, limit: 1 });
      if (session === undefined) {
        throw new StudioHttpError(
          404,
          `No evaluator runs yet: evaluate()'s evaluators trace to the "${EVALUATOR_PROJECT}" project, made by their first run.`,
        );
      }
      return c.json({ session_id: session.id });
    }
    throw new StudioHttpError(
      422,
      `GET /sessions/resolutions: "kind" must be AGENT, EXPERIMENT or EVALUATOR (got ${JSON.stringify(c.req.query("kind") ?? "")}).`,
    );
  });
}
