import { deferralReason, failureCode, type RunResult } from "@catena/core";

/** How one tier did: items it answered, their share of all items, and their precision. */
export interface TierScore {
  tier: string;
  answered: number;
  coverage: number;
  correct: number;
  precision: number | null;
}

/** Latency of one step over the items that ran it, in milliseconds. */
export interface StepLatency {
  step: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
}

/** What `catena eval` reports. */
export interface EvalReport {
  items: number;
  answered: number;
  /** Share of all items answered with the right label (deferred and failed items count as wrong). */
  accuracy: number;
  /** Accuracy of the answered items only. */
  answeredAccuracy: number | null;
  /** Accuracy when deferred items take the cascade's best cheap guess. */
  accuracyWithBestGuess: number;
  tiers: TierScore[];
  deferred: { count: number; share: number; bestGuessCorrect: number; reasons: Record<string, number> };
  failed: number;
  /** Failed items per error code, with the first message of each. */
  failures: Array<{ code: string; count: number; message: string }>;
  /** The output field compared with the expected value. */
  labelField: string;
  /** The most frequent (expected → given) mistakes, answered items and best guesses alike. */
  confusions: Array<{ expected: string; predicted: string; count: number }>;
  latency: StepLatency[];
  runIds: string[];
}

/** Accumulates run results against their expected labels into an {@link EvalReport}. */
export class EvalTally {
  readonly #field: string;
  readonly #failures = new Map<string, { count: number; message: string }>();
  #items = 0;
  #correct = 0;
  #bestCorrect = 0;
  #answered = 0;
  #failed = 0;
  #deferred = 0;
  #deferredRight = 0;
  readonly #reasons: Record<string, number> = {};
  readonly #tiers = new Map<string, { answered: number; correct: number }>();
  readonly #confusions = new Map<string, number>();
  readonly #ms = new Map<string, number[]>();
  readonly #runIds: string[] = [];

  /** `field` is the output field that holds the label (default `label`). */
  constructor(field = "label") {
    this.#field = field;
  }

  /** Adds one item's run. */
  add(result: RunResult, expected: string): void {
    this.#items++;
    if (result.runId) this.#runIds.push(result.runId);
    for (const step of result.steps) {
      const list = this.#ms.get(step.name) ?? [];
      list.push(step.ms);
      this.#ms.set(step.name, list);
    }
    let given: string | null = null;
    if (result.status === "done") {
      const out = result.output as Record<string, unknown>;
      const value = out[this.#field];
      given = typeof value === "string" ? value : null;
      const tier = typeof out.tier === "string" ? out.tier : "(none)";
      const t = this.#tiers.get(tier) ?? { answered: 0, correct: 0 };
      t.answered++;
      this.#answered++;
      if (given === expected) {
        t.correct++;
        this.#correct++;
        this.#bestCorrect++;
      }
      this.#tiers.set(tier, t);
    } else if (result.status === "deferred") {
      this.#deferred++;
      const best = result.deferred.best?.result.label;
      given = typeof best === "string" ? best : null;
      if (given === expected) {
        this.#deferredRight++;
        this.#bestCorrect++;
      }
      const code = deferralReason(result.deferred.errors.at(-1)?.error);
      this.#reasons[code] = (this.#reasons[code] ?? 0) + 1;
    } else {
      this.#failed++;
      const error = result.status === "error" ? result.error : undefined;
      const code = error === undefined ? result.status : failureCode(error).code;
      const seen = this.#failures.get(code) ?? {
        count: 0,
        message: error?.message ?? `the run ended ${result.status}`,
      };
      seen.count++;
      this.#failures.set(code, seen);
    }
    if (given !== null && given !== expected) {
      const key = `${expected}\u0000${given}`;
      this.#confusions.set(key, (this.#confusions.get(key) ?? 0) + 1);
    }
  }

  /** The report so far; `tierOrder` lists the tiers in cascade order (others follow). */
  report(tierOrder: readonly string[] = [], topConfusions = 10): EvalReport {
    const n = this.#items;
    const share = (x: number): number => (n === 0 ? 0 : x / n);
    const names = [...tierOrder, ...[...this.#tiers.keys()].filter((t) => !tierOrder.includes(t))];
    return {
      items: n,
      answered: this.#answered,
      accuracy: share(this.#correct),
      answeredAccuracy: this.#answered === 0 ? null : this.#correct / this.#answered,
      accuracyWithBestGuess: share(this.#bestCorrect),
      tiers: names.map((tier) => {
        const t = this.#tiers.get(tier) ?? { answered: 0, correct: 0 };
        return {
          tier,
          answered: t.answered,
          coverage: share(t.answered),
          correct: t.correct,
          precision: t.answered === 0 ? null : t.correct / t.answered,
        };
      }),
      deferred: {
        count: this.#deferred,
        share: share(this.#deferred),
        bestGuessCorrect: this.#deferredRight,
        reasons: { ...this.#reasons },
      },
      failed: this.#failed,
      failures: [...this.#failures]
        .map(([code, f]) => ({ code, count: f.count, message: f.message }))
        .sort((a, b) => b.count - a.count),
      labelField: this.#field,
      confusions: [...this.#confusions]
        .map(([key, count]) => {
          const [expected, predicted] = key.split("\u0000") as [string, string];
          return { expected, predicted, count };
        })
        .sort((a, b) => b.count - a.count || (a.expected < b.expected ? -1 : 1))
        .slice(0, topConfusions),
      latency: [...this.#ms].map(([step, list]) => {
        const sorted = [...list].sort((a, b) => a - b);
        const at = (q: number): number =>
          sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
        return { step, runs: list.length, medianMs: at(0.5), p95Ms: at(0.95) };
      }),
      runIds: [...this.#runIds],
    };
  }
}
