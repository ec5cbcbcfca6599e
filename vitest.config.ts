import { defineConfig } from "vitest/config";

// Tests import the code the way Node itself does: native ESM with Node's own TypeScript type
// stripping, and the "@catena/source" export condition so that workspace packages resolve to their
// sources (no build needed for unit tests). Chain fingerprints no longer depend on the loader
// (tests/fingerprint-loaders.test.ts runs vitest's default module runner in a child to show it).
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "tests/**/*.test.ts", "examples/**/*.test.ts"],
    // Type tests (`*.test-d.ts`: expectTypeOf and @ts-expect-error) run by tsc as part of the suite,
    // every package's under one root config: with packages/core's (rootDir src), the other packages'
    // type errors were not reported, and a wrong expectation in them passed.
    typecheck: {
      enabled: true,
      include: ["packages/*/src/**/*.test-d.ts"],
      tsconfig: "tsconfig.test-d.json",
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The page tests poll what Chromium shows; at vitest's default of 1 s a reload or a refetch on a
    // loaded 2-core machine outlasted the poll, and a right page failed. A wrong page still fails.
    expect: { poll: { timeout: 10_000 } },
    pool: "forks",
    // Builds the packages once when dist is missing or stale: the CLI end-to-end tests spawn the built binary.
    globalSetup: ["tests/global-setup.ts"],
    // Test chains read counters and `sleep` from their test on purpose; the CATENA_UNDECLARED_READS
    // warning is still emitted (tests listen for it) but not printed. The built-in chains are
    // checked warning-free in child processes by tests/fingerprint-loaders.test.ts.
    execArgv: [
      "--conditions=@catena/source",
      "--disable-warning=ExperimentalWarning",
      "--disable-warning=CATENA_UNDECLARED_READS",
    ],
    experimental: { viteModuleRunner: false },
  },
});
