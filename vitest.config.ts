import { defineConfig } from "vitest/config";

// Tests import the code the way Node itself does: native ESM with Node's own TypeScript type
// stripping, and the "@catena/source" export condition so that workspace packages resolve to their
// sources (no build needed for unit tests). Not going through Vite's module runner matters here:
// chain fingerprints hash function source, and a transform that reprints code or rewrites imports
// would give other fingerprints under test than under `node` and the built CLI.
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "tests/**/*.test.ts", "examples/**/*.test.ts"],
    // Type tests (`*.test-d.ts`: expectTypeOf and @ts-expect-error) run by tsc as part of the suite.
    typecheck: {
      enabled: true,
      include: ["packages/*/src/**/*.test-d.ts"],
      tsconfig: "packages/core/tsconfig.json",
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Builds the packages once when dist is missing or stale: the CLI end-to-end tests spawn the built binary.
    globalSetup: ["tests/global-setup.ts"],
    execArgv: ["--conditions=@catena/source", "--disable-warning=ExperimentalWarning"],
    experimental: { viteModuleRunner: false },
  },
});
