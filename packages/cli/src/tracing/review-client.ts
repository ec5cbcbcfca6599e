import type { RunSnapshot } from "@catena/core";
import { backendUrl } from "@catena/core/tracing";
import type { PausedReview, ReviewStatus } from "@catena/studio";
import { CliError } from "../cli-error.ts";
import { ExitCode } from "../exit-codes.ts";
import { startLocalStudio } from "./local-studio.ts";

/** The paused reviews of a studio, over its `/catena/reviews` endpoints. */
export interface ReviewClient {
  /** `the studio at <url>` or `the local studio (<db path>)`, for messages. */
  where: string;
  list(query?: { status?: ReviewStatus; chain?: string }): Promise<PausedReview[]>;
  /** A paused run and the snapshot it resumes from. */
  get(runId: string): Promise<{ review: PausedReview; snapshot: RunSnapshot }>;
  close(): Promise<void>;
}

/**
 * Connects to the studio that keeps paused reviews: the one at `CATENA_STUDIO_URL`, else the local
 * studio database (where `catena run` traces), opened in this process for the command.
 */
export async function openReviewClient(): Promise<ReviewClient> {
  const env = process.env;
  const apiKey = env.CATENA_STUDIO_API_KEY?.trim() || undefined;
  const remote = env.CATENA_STUDIO_URL?.trim()
    ? backendUrl("CATENA_STUDIO_URL", env.CATENA_STUDIO_URL)
    : undefined;
  const studio = remote ? undefined : await startLocalStudio(apiKey);
  const url = remote || (studio?.url as string);
  const where = studio === undefined ? `the studio at ${url}` : `the local studio (${studio.dbPath})`;
  const call = async (path: string): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, {
        headers: apiKey === undefined ? {} : { "x-api-key": apiKey },
      });
    } catch (error) {
      throw new CliError(
        `Cannot reach ${where} (${error instanceof Error ? error.message : String(error)}): start it with catena studio, or fix CATENA_STUDIO_URL.`,
        { exitCode: ExitCode.failed },
      );
    }
    const body = (await response.json().catch(() => ({}))) as { detail?: string };
    if (!response.ok) {
      throw new CliError(body.detail ?? `${where} answered HTTP ${response.status} for ${path}.`, {
        exitCode: response.status === 404 ? ExitCode.usage : ExitCode.failed,
      });
    }
    return body;
  };
  return {
    where,
    async list(query = {}) {
      const params = new URLSearchParams();
      if (query.status !== undefined) params.set("status", query.status);
      if (query.chain !== undefined) params.set("chain", query.chain);
      const search = params.size === 0 ? "" : `?${params}`;
      return ((await call(`/catena/reviews${search}`)) as { reviews: PausedReview[] }).reviews;
    },
    async get(runId) {
      return (await call(`/catena/reviews/${encodeURIComponent(runId)}`)) as {
        review: PausedReview;
        snapshot: RunSnapshot;
      };
    },
    async close() {
      await studio?.close();
    },
  };
}
