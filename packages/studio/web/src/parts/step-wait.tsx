import { useEffect, useRef, useState } from "preact/hooks";
import type { Run } from "../types.ts";

/** How long "has arrived and is selected" stays: long enough to read, then it is old news. */
export const ARRIVED_NOTICE_MS = 6000;

/**
 * What became of the step a link named (`?step=`) when the trace came without it: a trace still
 * followed is waited on ("waiting for this step", then "has arrived" for a few seconds once it is
 * selected); one that ended without it says so, as the root shown instead looked like the step
 * asked for. Nothing when the step was there from the start, nor once the trace is no longer
 * followed (the line that says so, with its Reload, names the step).
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
  const came = missed.current && arrived !== undefined;
  const [old, setOld] = useState(false);
  useEffect(() => {
    if (!came) return;
    const timer = setTimeout(() => setOld(true), ARRIVED_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [came]);
  if (!missed.current || (came && old) || (arrived === undefined && running && !followed)) return null;
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
      ) : (
        <>
          Waiting for this step ({step}): it has not arrived yet and is selected when it does. The root is
          shown meanwhile.
        </>
      )}
    </p>
  );
}
