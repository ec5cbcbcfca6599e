import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type AnyChain, CatenaError } from "@catena/core";
import { CliError } from "../cli-error.ts";
import { collectChains } from "./collect-chains.ts";
import { type CollectedTrainers, collectTrainers } from "./collect-trainers.ts";

/** What a chains module exports: its chains, and the trainers of chains it makes trainable. */
export interface ChainModuleExports extends CollectedTrainers {
  chains: AnyChain[];
}

/**
 * Imports a user's chain module (`.ts` or `.js`; Node strips TypeScript types itself) and returns
 * the chains it exports, and its trainers (see `collectTrainers`). A missing file, a module that fails to load, or one that exports no chain
 * is a usage error naming the module, and `listedIn` (the config file that lists it), if any.
 */
export async function loadChainModule(
  path: string,
  shownAs: string,
  listedIn?: string,
): Promise<ChainModuleExports> {
  if (!existsSync(path)) {
    // A module from the config file is not one the user typed: say where it is listed, to fix it there.
    throw new CliError(
      listedIn === undefined
        ? `chains module not found: ${shownAs}`
        : `chains module not found: ${shownAs}, listed in "chains" of ${listedIn}; fix the path there or remove it.`,
    );
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    // A Catena error (a malformed trainer's TRAINER_INVALID) keeps its code, for --json to report.
    throw new CliError(`cannot load chains module ${shownAs}: ${reasonOf(error)}`, {
      cause: error,
      ...(CatenaError.isInstance(error) ? { code: error.code } : {}),
    });
  }
  const chains = collectChains(namespace);
  const trainers = collectTrainers(namespace);
  if (chains.length === 0) {
    const made =
      trainers.trainers.length > 0
        ? ` (it exports the trainer "${trainers.trainers[0]?.name}": export its chain too, \`export const chain = trainer.chainFor()\`)`
        : "";
    throw new CliError(
      `chains module ${shownAs} exports no chain${made}; export the chains made with defineChain (or an array of them).`,
    );
  }
  return { chains, ...trainers };
}

/** The error's message, with the line for a syntax error (Node puts `file:line` atop its stack). */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const at = error instanceof SyntaxError ? /^(?:file:\/\/)?\S+:(\d+)\n/.exec(error.stack ?? "") : null;
  return at ? `${error.message} (line ${at[1]})` : error.message;
}
