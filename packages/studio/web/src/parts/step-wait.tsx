import { useRef } from "preact/hooks";
import type { Run } from "../types.ts";
import { POLL_QUIET_MS } from "../use-poll.ts";

/**
 * What became of the step a link named (`?step=`) when the trace came without it: a trace still
 * running is waited on ("waiting for this step", then "has arrived" once it is selected); a trace
 * no longer followed, or one that ended without it, says so, as the root shown instead looked
 * like the step asked for. Nothing when the step was there from the start.
 */
export function StepWait({
  id,
  arrived,
  running,
  followed,
}: {
  id: string;
  arrived: Run | undefined;
  running: boolean;
  followed: boolean;
}) {
  const missed = useRef(false);
  if (arrived === undefined) missed.current = true;
  if (!missed.current) return null;
  const step = <code>{id}</code>;
  return (
    <p class={`notice${arrived === undefined ? " waiting" : ""}`} role="status">
      {arrived !== undefined ? (
        <>Step {arrived.name ?? step} has arrived and is selected.</>
      ) : !running ? (
        <>
          This trace ended without step {step}: the link names a step it does not have. The root is shown
          instead.
        </>
      ) : followed ? (
        <>
          Waiting for this step ({step}): it has not arrived yet and is selected when it does. The root is
          shown meanwhile.
        </>
      ) : (
        <>
          Step {step} has not arrived, and this trace is no longer followed (nothing new for{" "}
          {POLL_QUIET_MS / 60_000} min): Reload to ask again. The root is shown meanwhile.
        </>
      )}
    </p>
  );
}
