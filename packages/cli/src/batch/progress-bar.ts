import type { BatchProgress } from "@catena/core";
import { SingleBar } from "cli-progress";
import { duration } from "../format/duration.ts";
import { EtaEstimator } from "./eta-estimator.ts";

/** A batch progress display: updated on every progress event, stopped before the summary prints. */
export interface ProgressDisplay {
  update(progress: BatchProgress): void;
  stop(): void;
}

/** A display that shows nothing (stderr is not a terminal, or `--json`). */
export const noProgress: ProgressDisplay = { update: () => {}, stop: () => {} };

/**
 * A progress bar on a terminal stream: items finished out of the total, counts per status,
 * throughput and ETA (smoothed, with its unit: `ETA 42.0 s`, `ETA 3 min 05 s`). Skipped items (already
 * in the results file) count as finished.
 */
export function progressBar(stream: NodeJS.WritableStream, total: number): ProgressDisplay {
  const bar = new SingleBar({
    stream,
    format:
      "{bar} {value}/{total} | done {ok} deferred {deferred} failed {failed} skipped {skipped} | {rate} items/s | ETA {eta}",
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(total, 0, { ok: 0, deferred: 0, failed: 0, skipped: 0, rate: "0.0", eta: "?" });
  // Smoothed, so that the ETA does not jump with every fast or slow item; skipped items took no time.
  const estimator = new EtaEstimator();
  return {
    update(p) {
      const finished = p.done + p.deferred + p.failed + p.skipped;
      const etaMs = estimator.update(finished - p.skipped, total - p.skipped, performance.now());
      bar.update(finished, {
        ok: p.done,
        deferred: p.deferred,
        failed: p.failed,
        skipped: p.skipped,
        rate: p.itemsPerSecond.toFixed(1),
        eta: etaMs === undefined ? "?" : duration(etaMs),
      });
    },
    stop: () => bar.stop(),
  };
}
