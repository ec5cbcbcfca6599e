/*
 * Vitest global setup: build the packages once before any test file runs, so that end-to-end tests
 * spawning the built `catena` binary work on a clean clone. Register it in the root
 * vitest.config.ts as `test.globalSetup: ["tests/global-setup.ts"]`.
 */
import { ensureBuilt } from "./support/ensure-built.ts";

export default async function setup(): Promise<void> {
  await ensureBuilt();
}
