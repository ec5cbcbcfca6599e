import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources through the "@catena/source" export condition, so no
// build is needed for unit tests; the CLI end-to-end tests in tests/ spawn the built binary.
export default defineConfig({
  resolve: { conditions: ["@catena/source", "import", "module", "node", "default"] },
  ssr: { resolve: { conditions: ["@catena/source", "import", "module", "node", "default"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "tests/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
