/*
 * Vitest global setup: build the packages once before any test file runs, so that end-to-end tests
 * spawning the built `catena` binary work on a clean clone. Register it in the root
 * vitest.config.ts as `test.globalSetup: ["tests/global-setup.ts"]`.
 */
import { ensureBuilt } from "./support/ensure-built.ts";

export default async function setup(): Promise<void> {
  // Unit tests run from sources; CATENA_SKIP_BUILD=1 skips the build when only they are run.
  if (process.env.CATENA_SKIP_BUILD === "1") return;
  await ensureBuilt();
}
