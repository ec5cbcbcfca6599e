/** How many failed requests in a row open the breaker: one upload and the SDK's two retries. */
const FAILURES_TO_OPEN = 3;
/** How long an open breaker drops uploads before one is tried again. */
const OPEN_MS = 30_000;

/** Failed and dropped requests since the last look, and the last reason. */
export interface FetchTrouble {
  /** Requests that failed (network error, HTTP status >= 400) or that were dropped unsent. */
  count: number;
  lastProblem?: string;
}

/**
 * The fetch a tracer's SDK client sends through. Trace uploads are best effort, so it keeps a
 * backend that is down, failing or stuck from costing the process time or flooding stderr:
 *
 * - a refused connection (nothing listens at the endpoint) fails at once, without the SDK's retries;
 * - after a few failures in a row it stops sending for a while (a circuit breaker) and answers the
 *   SDK as if the upload had been taken, so that the SDK neither retries nor logs per batch; the
 *   drops are counted and reported by the tracer's `flush()`;
 * - a failed `GET /info` is answered with `{}`, which makes the SDK use its defaults at once, as it
 *   would after its own retries (up to half a minute, with a warning per batch);
 * - `close()` cuts what is in flight and drops everything later, quietly.
 *
 * Reads and feedback writes go through it too; for them the breaker never opens (`breaker: false`).
 */
export class GuardedFetch {
  private readonly closing = new AbortController();
  private readonly breaker: boolean;
  private readonly onTrouble: ((problem: string) => void) | undefined;
  private readonly onFailure: ((problem: string) => void) | undefined;
  private readonly transport: typeof fetch;
  private trouble = 0;
  private lastProblem: string | undefined;
  private failuresInARow = 0;
  private openUntil = 0;

  /**
   * `onTrouble` hears when the breaker opens (worth a warning); `onFailure` hears of every failed or
   * dropped request (for counting); `transport` sends the requests (default: the global `fetch`).
   */
  constructor(
    options: {
      breaker?: boolean;
      onTrouble?: (problem: string) => void;
      onFailure?: (problem: string) => void;
      transport?: typeof fetch;
    } = {},
  ) {
    this.breaker = options.breaker ?? true;
    this.transport = options.transport ?? fetch;
    this.onTrouble = options.onTrouble;
    this.onFailure = options.onFailure;
  }

  /** The fetch to hand to the SDK client (`fetchImplementation`). */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = urlOf(input);
    const info = isInfo(url);
    if (this.closing.signal.aborted) return taken(info);
    if (this.breaker && !info && Date.now() < this.openUntil) {
      this.note(`dropped while ${originOf(url)} is failing`, false);
      return taken(false);
    }
    const signal = init?.signal ? AbortSignal.any([init.signal, this.closing.signal]) : this.closing.signal;
    let response: Response;
    try {
      response = await this.transport(input, { ...init, signal });
    } catch (error) {
      if (this.closing.signal.aborted) return taken(info);
      const refused = isConnectionRefused(error);
      this.failed(
        refused ? `nothing listens at ${originOf(url)} (connection refused)` : `${url}: ${reasonOf(error)}`,
        refused,
      );
      if (info) return taken(true);
      // The SDK gives up at once on errors whose message starts with "Cancel".
      if (refused) throw new Error(`Cancelled: nothing listens at ${originOf(url)} (connection refused)`);
      throw error;
    }
    if (response.status >= 400) {
      this.failed(`HTTP ${response.status} from ${url}`, false);
      if (info) {
        await response.body?.cancel();
        return taken(true);
      }
    } else {
      this.failuresInARow = 0;
    }
    return response;
  };

  /**
   * False while uploads are being lost: the last request failed (after the SDK's retries, as far as
   * it got), or the breaker is dropping them. Failures that a retry made good leave it true.
   */
  get healthy(): boolean {
    return this.failuresInARow === 0 && Date.now() >= this.openUntil;
  }

  /** Aborts requests in flight; every later request is answered at once and its data dropped. */
  close(): void {
    if (!this.closing.signal.aborted) this.closing.abort(new Error("Cancelled: the tracer is closed"));
  }

  /** Failed and dropped requests since the last call; resets the count. */
  takeTrouble(): FetchTrouble {
    const out: FetchTrouble =
      this.lastProblem === undefined
        ? { count: this.trouble }
        : { count: this.trouble, lastProblem: this.lastProblem };
    this.trouble = 0;
    this.lastProblem = undefined;
    return out;
  }

  private failed(problem: string, openNow: boolean): void {
    this.failuresInARow++;
    this.note(problem, true);
    if (this.breaker && (openNow || this.failuresInARow >= FAILURES_TO_OPEN)) {
      this.openUntil = Date.now() + OPEN_MS;
      this.failuresInARow = 0;
      this.onTrouble?.(`${problem}; dropping traces for ${OPEN_MS / 1000} s`);
    }
  }

  private note(problem: string, isNews: boolean): void {
    this.trouble++;
    // A drop names the failure that opened the breaker, not just the drop.
    if (isNews || this.lastProblem === undefined) this.lastProblem = problem;
    this.onFailure?.(this.lastProblem);
  }
}

/** What the SDK gets for a request that is not sent: `{}` for `/info` (use defaults), else "accepted". */
function taken(info: boolean): Response {
  return new Response("{}", { status: info ? 200 : 202, headers: { "content-type": "application/json" } });
}

function isInfo(url: string): boolean {
  return /\/info$/.test(url);
}

function urlOf(input: Parameters<typeof fetch>[0]): string {
  const href = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  return href.split("?")[0] ?? href;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** undici reports a refused connection as `TypeError: fetch failed` with the socket error as cause. */
function isConnectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } } | null)?.cause;
  if (cause?.code === "ECONNREFUSED") return true;
  return (
    Array.isArray(cause?.errors) &&
    cause.errors.length > 0 &&
    cause.errors.every((e) => e.code === "ECONNREFUSED")
  );
}
