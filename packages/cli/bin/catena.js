#!/usr/bin/env node
// The `catena` command: checks the Node version, then runs the built CLI (dist/) and sets the exit
// code it returns. Written for any Node that can parse ES2020 modules: the check must run (and say
// something useful) on the old Node a user may have first on PATH, before anything newer loads.
import * as nodeModule from "node:module";
import { useDependencyBundles } from "./dependency-bundles.js";
import { requireNode } from "./require-node.js";

await requireNode();

// Keep V8's compiled code of the CLI and its dependencies on disk (Node's own cache, in the OS temp
// directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off): compiling ~240 modules on every start
// costs more than running a chain. A Node without it simply compiles as before.
nodeModule.enableCompileCache?.();
useDependencyBundles();

let main;
try {
  // The bundle of the CLI's modules (`pnpm build`: scripts/bundle-package.ts), a few files where
  // dist/ has ~30; @catena/core is bundled alike in its own package.
  ({ main } = await import("../dist/bundle/main.js"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  process.stderr.write(
    `catena: cannot load the built CLI (${error.message}); run \`bash scripts/bootstrap.sh\` (or \`pnpm install && pnpm build\`) in the repository first.\n`,
  );
  process.exit(1);
}
// `catena ... | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await main(process.argv);
