#!/usr/bin/env node
// `catena-test-server`: an OpenAI-compatible server that answers from a script (see README.md).
const { serverCommand } = await import("../dist/server-command.js");
process.exitCode = await serverCommand(process.argv.slice(2));
