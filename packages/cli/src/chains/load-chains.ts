import { join, resolve } from "node:path";
import { type AnyChain, ChainRegistry } from "@catena/core";
import type { TrainableChain } from "@catena/core/ml";
import { displayPath } from "../format/display-path.ts";
import { loadBuiltinChains } from "./builtin-chains.ts";
import type { MalformedTrainer } from "./collect-trainers.ts";
import { loadChainModule } from "./load-chain-module.ts";
import { CONFIG_FILE, readConfig } from "./read-config.ts";

/** The chains the CLI knows, and where each came from. */
export interface LoadedChains {
  registry: ChainRegistry;
  /** `built-in`, or the module path (relative to the current directory) that exported the chain. */
  sourceOf(chain: AnyChain): string;
  /** The trainers the user's modules export (built-in ones are not loaded here), each with its module. */
  trainers: readonly LoadedTrainer[];
  /** Exports of the user's modules that look meant as trainers but are malformed, with their module. */
  malformedTrainers: readonly (MalformedTrainer & { source: string })[];
}

/** A trainer a chains module exports, and that module (relative to the current directory). */
export interface LoadedTrainer {
  trainer: TrainableChain;
  source: string;
}

/** Where the chains come from. */
export interface LoadChainsOptions {
  cwd: string;
  /** Module paths from `--chains`, relative to `cwd`. */
  modules: readonly string[];
  /**
   * The chain the command needs (`name` or `name@version`): then only the built-in chain of that
   * name is loaded, to start faster. The user's modules are always loaded, all of them.
   */
  chain?: string;
}

/**
 * Builds the registry: the built-in chains, then the modules listed in `catena.config.json`, then
 * those given with `--chains`. The same `name@version` defined twice with different fingerprints is
 * a ChainDefinitionError.
 */
export async function loadChains(options: LoadChainsOptions): Promise<LoadedChains> {
  const sources = new Map<AnyChain, string>();
  for (const chain of await loadBuiltinChains(options.chain && chainName(options.chain)))
    sources.set(chain, "built-in");
  const config = await readConfig(options.cwd);
  const paths = [...config.chains, ...options.modules.map((m) => resolve(options.cwd, m))];
  const fromConfig = new Set(config.chains);
  const configFile = displayPath(options.cwd, join(options.cwd, CONFIG_FILE));
  const trainers = new Map<TrainableChain, string>();
  const malformedTrainers: (MalformedTrainer & { source: string })[] = [];
  for (const path of new Set(paths)) {
    const shownAs = displayPath(options.cwd, path);
    const listedIn = fromConfig.has(path) ? configFile : undefined;
    const exported = await loadChainModule(path, shownAs, listedIn);
    for (const chain of exported.chains) if (!sources.has(chain)) sources.set(chain, shownAs);
    // The same trainer object re-exported by a second module is one trainer, from the first.
    for (const trainer of exported.trainers) if (!trainers.has(trainer)) trainers.set(trainer, shownAs);
    for (const bad of exported.malformed) malformedTrainers.push({ ...bad, source: shownAs });
  }
  const registry = new ChainRegistry(sources.keys());
  return {
    registry,
    sourceOf: (chain) => sources.get(chain) ?? "built-in",
    trainers: [...trainers].map(([trainer, source]) => ({ trainer, source })),
    malformedTrainers,
  };
}

/** The name in a chain reference `name` or `name@version`. */
function chainName(ref: string): string {
  const at = ref.lastIndexOf("@");
  return at > 0 ? ref.slice(0, at) : ref;
}
