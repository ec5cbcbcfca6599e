import { createRequire } from "node:module";
import type { AnyChain } from "../compile/chain.ts";
import { ChainDefinitionError, ChainNotFoundError } from "../errors/errors.ts";

/**
 * Holds several versions of several chains side by side, for pinning, shadow runs and comparisons.
 *
 * @example
 * const registry = new ChainRegistry([triageV1, triageV2]);
 * registry.get("support-triage@1.0.0"); // pinned
 * registry.get("support-triage");       // latest
 */
export class ChainRegistry {
  private readonly byName = new Map<string, Map<string, AnyChain>>();

  constructor(chains: Iterable<AnyChain> = []) {
    for (const chain of chains) this.register(chain);
  }

  /** Adds a chain; registering the same `name@version` with another fingerprint is an error. */
  register(chain: AnyChain): this {
    let versions = this.byName.get(chain.name);
    if (!versions) {
      versions = new Map();
      this.byName.set(chain.name, versions);
    }
    const existing = versions.get(chain.version);
    if (existing && existing !== chain && existing.fingerprint !== chain.fingerprint) {
      throw new ChainDefinitionError(
        `Two different definitions of ${chain.id} were registered (fingerprints ${existing.fingerprint.slice(0, 12)} and ${chain.fingerprint.slice(0, 12)}); bump the version of the changed one.`,
        { details: { chain: chain.id } },
      );
    }
    versions.set(chain.version, chain);
    return this;
  }

  /** The chain for `name@version`, or the latest version for a bare `name`; throws ChainNotFoundError. */
  get(ref: string): AnyChain {
    const chain = this.find(ref);
    if (!chain)
      throw new ChainNotFoundError(
        ref,
        this.list().map((c) => c.id),
      );
    return chain;
  }

  /** Like {@link ChainRegistry.get} but returns undefined for an unknown reference. */
  find(ref: string): AnyChain | undefined {
    const at = ref.lastIndexOf("@");
    const name = at > 0 ? ref.slice(0, at) : ref;
    const versions = this.byName.get(name);
    if (!versions) return undefined;
    if (at > 0) return versions.get(ref.slice(at + 1));
    return this.versions(name).at(-1);
  }

  /** Versions of one chain, oldest first. */
  versions(name: string): AnyChain[] {
    return [...(this.byName.get(name)?.values() ?? [])].sort((a, b) => semverCompare()(a.version, b.version));
  }

  /** Every registered chain, by name then version. */
  list(): AnyChain[] {
    return [...this.byName.keys()].sort().flatMap((name) => this.versions(name));
  }
}

let compare: typeof import("semver/functions/compare.js") | undefined;

/** semver's `compare`, loaded on first use: only looking up a chain's latest version needs it. */
function semverCompare(): typeof import("semver/functions/compare.js") {
  compare ??= createRequire(import.meta.url)(
    "semver/functions/compare.js",
  ) as typeof import("semver/functions/compare.js");
  return compare;
}
