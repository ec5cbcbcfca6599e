/**
 * Estimates the time left in a batch from a smoothed throughput: an exponential moving average of
 * the items finished per second, with a time constant of `smoothingMs`, so that a burst of quick
 * items (or a pause at a rate limit) moves the estimate gradually instead of making it jump.
 *
 * @example
 * const eta = new EtaEstimator();
 * eta.update(finished, total, performance.now()); // -> milliseconds left, or undefined at first
 */
export class EtaEstimator {
  readonly #smoothingMs: number;
  #rate: number | undefined;
  #last: { finished: number; at: number } | undefined;

  constructor(options: { smoothingMs?: number } = {}) {
    this.#smoothingMs = options.smoothingMs ?? 10_000;
  }

  /** Records that `finished` of `total` items are done at time `at` (ms); returns the ms left, if known. */
  update(finished: number, total: number, at: number): number | undefined {
    const last = this.#last;
    if (last === undefined) {
      this.#last = { finished, at };
      return undefined;
    }
    const dt = at - last.at;
    // Samples closer than 200 ms apart say more about event timing than about throughput.
    if (dt >= 200) {
      const sample = ((finished - last.finished) * 1000) / dt;
      const alpha = 1 - Math.exp(-dt / this.#smoothingMs);
      this.#rate = this.#rate === undefined ? sample : this.#rate + alpha * (sample - this.#rate);
      this.#last = { finished, at };
    }
    if (this.#rate === undefined || this.#rate <= 0) return undefined;
    return ((total - finished) / this.#rate) * 1000;
  }
}
