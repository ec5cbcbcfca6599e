import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { focusViewHeading } from "../focus-on-navigate.ts";
import type { Loaded } from "../use-api.ts";

/**
 * What a failed load (or refresh) of `of` shows: nothing while it has no error, else the error and
 * a "Try again" button. `lead` says first what could not be done ("Could not load the trace"); the
 * button calls `onRetry`, by default `of.reload`. `role` is `alert` for a view that has nothing to
 * show, `status` beside data still shown. While the try is under way (`of.loading`) the line is
 * busy (`aria-busy`), the button is disabled and it says "retrying…": a click seemed to do nothing
 * on a studio slow to answer, and was clicked again and again. The button is disabled with
 * `aria-disabled`, so that it keeps the keyboard's focus (a `disabled` one drops it to the page's
 * top); if the try succeeds and the line goes, the focus goes to the view's heading. A try that
 * failed again says so, as the same message looked like no try at all.
 */
export function LoadFailed({
  of,
  lead,
  onRetry,
  role = "alert",
}: {
  of: Loaded<unknown>;
  lead?: string;
  onRetry?: () => void;
  role?: "alert" | "status";
}) {
  if (of.error === undefined) return null;
  return (
    <FailedLine
      text={lead === undefined ? of.error : `${lead}: ${of.error}`}
      loading={of.loading}
      onRetry={onRetry ?? of.reload}
      role={role}
    />
  );
}

// A component of its own, mounted while there is an error: its "tried" starts afresh with each
// failure, and its clean-up sees the line go.
function FailedLine({
  text,
  loading,
  onRetry,
  role,
}: {
  text: string;
  loading: boolean;
  onRetry: () => void;
  role: "alert" | "status";
}) {
  const line = useRef<HTMLParagraphElement>(null);
  const [tried, setTried] = useState(false);
  // A layout effect: its clean-up runs while the line is still in the page (an effect's runs after
  // paint, when the focus has already fallen to the body).
  useLayoutEffect(() => {
    const element = line.current;
    return () => {
      // Gone with the focus in it (the try succeeded): the focus goes on to what came instead.
      if (element?.contains(document.activeElement)) setTimeout(() => focusViewHeading(), 0);
    };
  }, []);
  return (
    <p class="load-failed" role={role} aria-busy={loading ? "true" : undefined} ref={line}>
      {text}{" "}
      <button
        type="button"
        aria-disabled={loading ? "true" : undefined}
        onClick={() => {
          if (loading) return;
          setTried(true);
          onRetry();
        }}
      >
        Try again
      </button>
      {loading ? (
        <span class="muted"> retrying…</span>
      ) : tried ? (
        <span> Tried again: it still fails.</span>
      ) : null}
    </p>
  );
}
