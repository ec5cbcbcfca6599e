import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { MiddlewareHandler } from "hono";
import { StudioHttpError } from "./studio-http-error.ts";

/** The host names every studio answers to: the loopback ones, which no other site can point at. */
export const LOOPBACK_HOST_NAMES = ["localhost", "127.0.0.1", "::1"] as const;

/**
 * The `Host` names a studio answers to, and the check: loopback names and addresses always; the
 * address it listens on (`host`); on a wildcard address (`0.0.0.0`, `::`) the machine's own
 * interface addresses; and the names in `allowedHosts` (a leading dot, `.example.com`, allows that
 * domain and its subdomains).
 *
 * Any other name is refused because it is how DNS rebinding works: a page of `attacker.example`
 * points that name at 127.0.0.1 and then reads the studio as its own origin. IP literals other
 * than these are refused too: nobody but this machine's interfaces should be reaching it.
 */
export class HostAllowList {
  readonly #exact = new Set<string>();
  readonly #suffixes: string[] = [];

  constructor(host: string, allowedHosts: readonly string[] = []) {
    for (const name of LOOPBACK_HOST_NAMES) this.#exact.add(name);
    const bind = normaliseHostName(host);
    this.#exact.add(bind);
    if (bind === "0.0.0.0" || bind === "::") {
      for (const addresses of Object.values(networkInterfaces())) {
        for (const address of addresses ?? []) this.#exact.add(normaliseHostName(address.address));
      }
    }
    for (const entry of allowedHosts) {
      const name = normaliseHostName(entry);
      if (name.startsWith(".")) this.#suffixes.push(name);
      else if (name !== "") this.#exact.add(name);
    }
  }

  /** True when a request for `hostName` (no port) may be answered. */
  allows(hostName: string): boolean {
    const name = normaliseHostName(hostName);
    if (this.#exact.has(name)) return true;
    // RFC 6761: *.localhost and 127/8 are loopback, and browsers never send them anywhere else.
    if (name.endsWith(".localhost")) return true;
    if (isIP(name) === 4 && name.startsWith("127.")) return true;
    return this.#suffixes.some((suffix) => name.endsWith(suffix) || name === suffix.slice(1));
  }

  /** The names for error messages. */
  describe(): string {
    return [...this.#exact, ...this.#suffixes.map((s) => `*${s}`)].join(", ");
  }
}

/**
 * Middleware that answers 403 to a request whose `Host` header names a host the studio was not
 * started for (see {@link HostAllowList}), before anything else looks at it.
 */
export function hostGuard(allowed: HostAllowList): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("host");
    const name = header === undefined ? undefined : hostNameOf(header);
    if (name === undefined || !allowed.allows(name)) {
      const shown = header === undefined ? "(none)" : JSON.stringify(header);
      throw new StudioHttpError(
        403,
        `Host ${shown} is not a name this studio answers to (${allowed.describe()}): a web page may be trying DNS rebinding. ` +
          `If you reach the studio by that name on purpose, start it with --allow-host ${name ?? "<name>"} (startStudio({ allowedHosts: [...] })).`,
      );
    }
    return next();
  };
}

/** The host name of a `Host` header value (`name:port`, `[::1]:port`), or undefined when it is not one. */
export function hostNameOf(header: string): string | undefined {
  try {
    const url = new URL(`http://${header.trim()}`);
    if (url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search !== "")
      return undefined;
    return normaliseHostName(url.hostname);
  } catch {
    return undefined;
  }
}

/** Lower case, without IPv6 brackets or a trailing dot. */
export function normaliseHostName(name: string): string {
  let out = name.trim().toLowerCase();
  if (out.startsWith("[") && out.endsWith("]")) out = out.slice(1, -1);
  if (out.endsWith(".") && out.length > 1) out = out.slice(0, -1);
  return out;
}

/**
 * True when `host` (an address or a name) is only reachable from this machine: 127.0.0.0/8, ::1,
 * `localhost` and `*.localhost`, or a name that resolves to loopback addresses only (Debian maps the
 * machine's own name to 127.0.1.1). A name that does not resolve counts as not loopback.
 */
export async function isLoopbackHost(host: string): Promise<boolean> {
  const name = normaliseHostName(host);
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (isIP(name) !== 0) return isLoopbackAddress(name);
  try {
    const addresses = await lookup(name, { all: true });
    return addresses.length > 0 && addresses.every((a) => isLoopbackAddress(a.address));
  } catch {
    return false;
  }
}

function isLoopbackAddress(address: string): boolean {
  const a = normaliseHostName(address);
  if (isIP(a) === 4) return a.startsWith("127.");
  return a === "::1" || a.startsWith("::ffff:127.");
}
