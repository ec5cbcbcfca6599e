import { SingleBar } from "cli-progress";

/** A step of a long phase: `done` of `total` (training epochs, reading traces, calibrating, comparing). */
export interface PhaseProgress {
  phase: string;
  done: number;
  total: number;
}

/**
 * One bar per phase, on a terminal stream (the caller passes none for `--json` or a pipe): a new
 * phase name stops the previous bar and starts the next, and the bar is cleared when stopped.
 */
export function trainingBar(stream: NodeJS.WritableStream): {
  update(p: PhaseProgress): void;
  stop(): void;
} {
  const bar = new SingleBar({
    stream,
    format: "{phase} {bar} {value}/{total}",
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
  });
  let phase = "";
  return {
    update(p) {
      if (p.phase !== phase) {
        if (phase !== "") bar.stop();
        phase = p.phase;
        bar.start(p.total, p.done, { phase: phase.padEnd(9) });
      } else {
        bar.update(p.done);
      }
    },
    stop: () => bar.stop(),
  };
}
