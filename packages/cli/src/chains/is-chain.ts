import type { AnyChain } from "@catena/core";

/**
 * True for a value that looks like a chain made by `defineChain` (it has a name, a version, a
 * fingerprint and a machine). Checked by shape rather than by class, so that chains built against
 * another copy of `@catena/core` are recognised too.
 */
export function isChain(value: unknown): value is AnyChain {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === "string" &&
    typeof v.version === "string" &&
    // Present, not read: a chain computes its fingerprint on first read, which loading must not cost.
    "fingerprint" in v &&
    typeof v.machine === "object" &&
    v.machine !== null
  );
}
