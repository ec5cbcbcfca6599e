// Public API of @catena/cli: the command line as a function, for embedding and tests.

export { collectChains } from "./chains/collect-chains.ts";
export { isChain } from "./chains/is-chain.ts";
export type { LoadChainsOptions, LoadedChains } from "./chains/load-chains.ts";
export { loadChains } from "./chains/load-chains.ts";
export { CliError } from "./cli-error.ts";
export type { CommandContext } from "./command-context.ts";
export type { ExitCodeValue } from "./exit-codes.ts";
export { EXIT_CODES_HELP, ExitCode } from "./exit-codes.ts";
export type { CliIO } from "./io.ts";
export { processIO } from "./io.ts";
export { main } from "./main.ts";
export { buildProgram } from "./program.ts";
