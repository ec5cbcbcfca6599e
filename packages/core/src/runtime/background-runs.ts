import type { AuditOutcome } from "./audit-options.ts";
import type { RunOptions } from "./run-types.ts";

/** Runs started beside a run's own (shadow runs, audits) that nothing awaits, until they end. */
const pending = new Set<Promise<void>>();

/**
 * The background runs of one batch: the batch waits for these alone (not for another batch's or a
 * lone run's), and it bounds its audits — each through the batch's rate gate, none started once the
 * batch has stopped, and about `auditLimit` in flight: a worker takes no new item while that many
 * are (`roomForAudits`), so the audits slow the batch down rather than pile up. Not skipped: a
 * skipped audit would make the sample depend on timing (a resumed batch would audit other items)
 * and its `audit_probability` untrue. The bound is loose by the items in flight when it was
 * reached: at most `auditLimit` + the batch's concurrency × the audits one item can start.
 */
export class BackgroundScope {
  readonly pending = new Set<Promise<void>>();
  auditsInFlight = 0;
  /** Workers waiting for room under the bound. */
  private waiting: (() => void)[] = [];
  readonly auditLimit: number;
  /** The batch's rate gate: an audit's LLM call takes a start slot like an item. */
  readonly gate: (() => Promise<void>) | undefined;
  /** Whether the batch has stopped (budget, abort, failure streak): no new audit starts. */
  private readonly stopped: () => boolean;
  /** Hears every audit of the scope, before the run's own `onAudit` (the batch's tally). */
  readonly onAudit: ((audit: AuditOutcome) => void) | undefined;

  constructor(options: {
    auditLimit: number;
    gate?: (() => Promise<void>) | undefined;
    stopped: () => boolean;
    onAudit?: (audit: AuditOutcome) => void;
  }) {
    this.auditLimit = options.auditLimit;
    this.gate = options.gate;
    this.stopped = options.stopped;
    this.onAudit = options.onAudit;
  }

  /** No new audit starts: the batch stopped. */
  get closed(): boolean {
    return this.stopped();
  }

  /** Takes an audit slot; false once the batch has stopped (no new audit then). */
  takeAuditSlot(): boolean {
    if (this.closed) return false;
    this.auditsInFlight++;
    return true;
  }

  releaseAuditSlot(): void {
    this.auditsInFlight--;
    if (this.auditsInFlight < this.auditLimit) for (const wake of this.waiting.splice(0)) wake();
  }

  /** Resolves when fewer than `auditLimit` audits are in flight; undefined when they already are. */
  roomForAudits(): Promise<void> | undefined {
    if (this.auditsInFlight < this.auditLimit) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Waits for this scope's background runs, those started while waiting included. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/**
 * The scope of the runs made with these options (a batch hands every item the same options object),
 * when they belong to one.
 */
const scopes = new WeakMap<RunOptions, BackgroundScope>();

/** Puts the runs made with `options` in `scope` (see {@link BackgroundScope}). */
export function setBackgroundScope(options: RunOptions, scope: BackgroundScope): void {
  scopes.set(options, scope);
}

/** The scope of the runs made with `options`, if any. */
export function backgroundScopeOf(options: RunOptions): BackgroundScope | undefined {
  return scopes.get(options);
}

/**
 * Keeps `work` (which never rejects) until it ends, so that {@link settleBackgroundRuns} (and its
 * scope's `settle`, when it has one) can wait for it before the process flushes its traces and exits.
 */
export function trackBackgroundRun(work: Promise<void>, scope?: BackgroundScope): void {
  pending.add(work);
  scope?.pending.add(work);
  void work.finally(() => {
    pending.delete(work);
    scope?.pending.delete(work);
  });
}

/** Waits for every background run still in flight, those started while waiting included. */
export async function settleBackgroundRuns(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
