import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { focusViewHeading } from "../focus-on-navigate.ts";

/**
 * A load or refresh that failed: what went wrong and a "Try again" button. While the try is under
 * way (`loading`) the line is busy (`aria-busy`), the button is disabled and it says "retrying…":
 * a click seemed to do nothing on a studio slow to answer, and was clicked again and again. The
 * button is disabled with `aria-disabled`, so that it keeps the keyboard's focus (a `disabled` one
 * drops it to the page's top); if the try succeeds and the line goes, the focus goes to the view's
 * heading. A try that failed again says so, as the same message looked like no try at all.
 * `role` is `alert` for a view that has nothing to show, `status` beside data still shown.
 */
export function LoadFailed({
  text,
  loading,
  onRetry,
  role = "alert",
}: {
  text: string;
  loading: boolean;
  onRetry: () => void;
  role?: "alert" | "status";
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
