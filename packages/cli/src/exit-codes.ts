/**
 * The exit codes of `catena`. They are part of the CLI's contract: scripts and CI switch on them,
 * so a code never changes meaning.
 */
export const ExitCode = {
  /** Everything went as asked. */
  ok: 0,
  /**
   * A run failed, a lock check failed, some batch items failed, an eval or compare gate failed (or
   * refused an unaligned judge), or an eval or a batch stopped at its cost limit (or an unexpected error).
   */
  failed: 1,
  /**
   * Usage or input error: bad option, missing file, unknown chain, invalid JSON, input schema
   * mismatch, a studio port that is taken.
   */
  usage: 2,
  /** The run ended deferred: no tier of a cascade answered with enough confidence. */
  deferred: 3,
  /** The run paused at a review and waits for a decision. */
  waiting: 4,
  /**
   * A batch stopped early: its items failed in a row with the same provider failure that every
   * item would meet (a bad API key, an account out of quota, a model the provider does not know;
   * see `--stop-after-failures`). The items not run are not in the results file: fix the cause,
   * then continue with `--resume --retry-failed`.
   */
  providerStopped: 5,
  /** Interrupted (Ctrl-C); a batch can be continued with `--resume`. */
  interrupted: 130,
  /** Stopped with SIGTERM (`timeout`, `docker stop`, systemd); a batch can be continued with `--resume`. */
  terminated: 143,
} as const;

/** One of the documented exit codes. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code table as shown at the end of `catena --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0    ok
  1    run failed, lock check failed, some batch items failed, or an eval/compare
       gate failed (or an eval or a batch stopped at --max-cost)
  2    usage or input error: bad option, missing file, unknown chain, invalid JSON,
       input that does not match the chain's input schema (run), a studio --port
       that is taken
  3    the run ended deferred (no tier answered with enough confidence)
  4    the run is waiting at a review
  5    a batch stopped early on a provider failure every item meets (bad API key,
       no quota, unknown model); fix it, then --resume --retry-failed
  130  interrupted (Ctrl-C); continue a batch with --resume
  143  stopped with SIGTERM; continue a batch with --resume`;
