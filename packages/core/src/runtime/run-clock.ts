// The module binding, not the global: `globalThis.performance` is a lazy getter in Node.
import { performance } from "node:perf_hooks";

/**
 * A wall-clock and a monotonic reading taken together, the wall clock first: where a run's clock
 * starts. A batch's worker hands the end of one item's run (the `Date.now()` its `ms` came from,
 * then `performance.now()`) to the run it starts next, instead of reading both clocks again.
 */
export interface RunClock {
  wall: number;
  mono: number;
}

/**
 * The clock of one run, shared by a straight run (`LineRun`) and a session (`RunSession`): a
 * wall-clock and a monotonic reading taken together at the run's start, from which every step's
 * start time is derived (one monotonic read per step, which its duration needs anyway, instead of
 * two reads). Read here, or handed by a batch's worker from the end of its previous item, when
 * only a push onto the recorder's list came between (the recording itself waits for a turn of the
 * event loop, after which the worker reads the clock afresh).
 */
export abstract class ClockedRun {
  /** `Date.now()` read with {@link monoBase}, the wall clock first. */
  readonly wallBase: number;
  /** `performance.now()` read with {@link wallBase}. */
  readonly monoBase: number;

  constructor(clock: RunClock | undefined) {
    // The wall clock first: a start derived from these is then never later than what `Date.now()`
    // said at that moment.
    if (clock === undefined) {
      this.wallBase = Date.now();
      this.monoBase = performance.now();
    } else {
      this.wallBase = clock.wall;
      this.monoBase = clock.mono;
    }
  }
}
