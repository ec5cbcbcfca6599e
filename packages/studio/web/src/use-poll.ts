import { useEffect, useRef } from "preact/hooks";

/** The first wait before asking again, and the longest the back-off waits. */
export const POLL_FIRST_MS = 1000;
export const POLL_MAX_MS = 30_000;

/**
 * Calls `reload` while `active`: after {@link POLL_FIRST_MS}, each wait twice the one before up to
 * {@link POLL_MAX_MS}, back to the first when `progress` changes (something new came). `loaded` is
 * what the last load gave (or its error): the next wait starts once it has come, so that a slow
 * studio is never asked twice at once. Nothing is asked while the tab is hidden; shown again, it
 * asks at once. The caller makes `active` false when there is nothing more to wait for.
 */
export function usePoll(active: boolean, reload: () => void, loaded: unknown, progress: unknown): void {
  const wait = useRef(POLL_FIRST_MS);
  const seen = useRef(progress);
  if (seen.current !== progress) {
    seen.current = progress;
    wait.current = POLL_FIRST_MS;
  }
  useEffect(() => {
    if (!active) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = () => {
      timer = undefined;
      wait.current = Math.min(POLL_MAX_MS, wait.current * 2);
      reload();
    };
    if (document.visibilityState !== "hidden") timer = setTimeout(ask, wait.current);
    const onVisibility = () => {
      clearTimeout(timer);
      timer = undefined;
      if (document.visibilityState === "hidden") return;
      wait.current = POLL_FIRST_MS;
      reload();
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [active, reload, loaded]);
}
