#!/usr/bin/env node
// The `catena` command: runs the built CLI (dist/) and sets the exit code it returns.
let main;
try {
  ({ main } = await import("../dist/main.js"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  process.stderr.write(
    `catena: cannot load the built CLI (${error.message}); run \`pnpm install && pnpm build\` in the repository first.\n`,
  );
  process.exit(1);
}
// `catena ... | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await main(process.argv);
