import type { ChainRegistry } from "@catena/core";
import { CliError } from "../cli-error.ts";

/** The chain whose traced runs a command reads, and the version its runs are narrowed to. */
export interface TracedChain {
  /** As given: `name` or `name@version`. */
  ref: string;
  name: string;
  /** Given as `name@version`: only that version's runs. */
  version?: string;
  /** Whether a loaded chain is so named: a retired chain or a past version is not, yet has runs. */
  loaded: boolean;
}

/**
 * The chain a traces-reading command (`skew`, `sample`, `shadow report`) is about: `name` or
 * `name@version`. A chain that is no longer loaded (retired, or a past version after a promotion)
 * is read from its traces all the same; whether it has any is known only once they are read (see
 * {@link assertTraced}). A name no loaded chain has, with no `--project` to read it from, is
 * refused at once (`CHAIN_NOT_FOUND`, exit 2, with the known chains): most likely a typo.
 */
export function tracedChain(registry: ChainRegistry, ref: string, project: string | undefined): TracedChain {
  const at = ref.lastIndexOf("@");
  const name = at > 0 ? ref.slice(0, at) : ref;
  const version = at > 0 ? ref.slice(at + 1) : undefined;
  const loaded = registry.find(ref) !== undefined;
  if (!loaded && registry.versions(name).length === 0 && project === undefined)
    throw unknownChain(
      registry,
      ref,
      "to read the traced runs of a chain that is no longer loaded, give the --project it traced to",
    );
  return { ref, name, ...(version === undefined ? {} : { version }), loaded };
}

/**
 * Refuses a chain that is not loaded and has no traced runs (of its version, when one was named)
 * among `runs`: a typo, not a chain with nothing to report. `since` is the start of the window
 * read, when there is one.
 */
export function assertTraced(
  registry: ChainRegistry,
  chain: TracedChain,
  runs: readonly { version?: string }[],
  read: { projects: readonly string[]; since?: Date },
): void {
  if (!chain.loaded && !runs.some((r) => chain.version === undefined || r.version === chain.version))
    throw unknownChain(
      registry,
      chain.ref,
      `and project ${read.projects.join(", ")} has no traced runs of it${read.since === undefined ? "" : ` since ${read.since.toISOString()}`}: check the name, or give the --project its runs were traced to`,
    );
}

/**
 * The runs that served traffic: audits (`batch --audit`, metadata `audit`) left out. An audit is the
 * LLM tier's second answer to an input a cheap tier answered: counted as a run, it would show as an
 * escalation to the LLM in `skew` and be sampled twice by `sample`.
 */
export function servedRuns<T extends { metadata: Record<string, unknown> }>(runs: readonly T[]): T[] {
  return runs.filter((r) => r.metadata.audit !== true);
}

/** The runs of `chain`'s version when one was named, else all of them. */
export function ofVersion<T extends { version?: string }>(runs: readonly T[], chain: TracedChain): T[] {
  return chain.version === undefined ? [...runs] : runs.filter((r) => r.version === chain.version);
}

/** `CHAIN_NOT_FOUND` (exit 2) as `catena run` words it, then why the traces do not help. */
function unknownChain(registry: ChainRegistry, ref: string, why: string): CliError {
  const known = registry.list().map((c) => c.id);
  return new CliError(
    `Unknown chain "${ref}". Known chains: ${known.length > 0 ? known.join(", ") : "none"}; ${why}.`,
    { code: "CHAIN_NOT_FOUND" },
  );
}
