import { useEffect, useRef, useState } from "preact/hooks";

/** The first wait before asking again, and the longest the back-off waits. */
export const POLL_FIRST_MS = 1000;
export const POLL_MAX_MS = 30_000;
/** How long the asking goes on with nothing new: then it stops until the reader asks again. */
export const POLL_QUIET_MS = 5 * 60_000;

/** What the caller shows of the asking: whether it stopped for want of news, and a way to start it again. */
export interface Poll {
  /** Nothing new came for {@link POLL_QUIET_MS}: nothing is asked any more. */
  quiet: boolean;
  /** Asks at once and starts the asking afresh (after `quiet`, say). */
  resume: () => void;
}

/**
 * Calls `reload` while `active`: after `firstMs` (default {@link POLL_FIRST_MS}), each wait twice
 * the one before up to {@link POLL_MAX_MS}, back to `firstMs` when `progress` changes (something
 * new came). `settled` changes once per answer of the last load (data or error): the next wait
 * starts once it has come, so that a slow studio is never asked twice at once, and a failed load
 * is tried again with the same back-off. Nothing is asked while the tab is hidden; shown again, it
 * asks at once (unless a load is still under way). After {@link POLL_QUIET_MS} without progress it stops and says `quiet`: a trace
 * whose root never arrives (refused, or its process died) was asked forever. The caller makes
 * `active` false when there is nothing more to wait for.
 */
export function usePoll(
  active: boolean,
  reload: () => void,
  settled: unknown,
  progress: unknown,
  { firstMs = POLL_FIRST_MS }: { firstMs?: number } = {},
): Poll {
  const wait = useRef(firstMs);
  const seen = useRef(progress);
  const lastNews = useRef(Date.now());
  const [quiet, setQuiet] = useState(false);
  // A load asked and not answered yet: no timer runs meanwhile (its answer starts the next wait).
  const pending = useRef(false);
  const answered = useRef(settled);
  if (answered.current !== settled) {
    answered.current = settled;
    pending.current = false;
  }
  const askNow = () => {
    pending.current = true;
    reload();
  };
  if (seen.current !== progress) {
    seen.current = progress;
    wait.current = firstMs;
    lastNews.current = Date.now();
  }
  // Never under the first wait, which grows with what is fetched each time (a big trace).
  if (wait.current < firstMs) wait.current = firstMs;
  useEffect(() => {
    if (!active || quiet) return;
    if (Date.now() - lastNews.current >= POLL_QUIET_MS) {
      setQuiet(true);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = () => {
      timer = undefined;
      wait.current = Math.min(POLL_MAX_MS, wait.current * 2);
      askNow();
    };
    if (document.visibilityState !== "hidden" && !pending.current) timer = setTimeout(ask, wait.current);
    const onVisibility = () => {
      clearTimeout(timer);
      timer = undefined;
      if (document.visibilityState === "hidden") return;
      wait.current = firstMs;
      // A load still under way will answer: asked again, a big trace's fetch started over at each
      // switch of tabs. Its answer starts the next wait.
      if (!pending.current) askNow();
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [active, quiet, reload, settled]);
  const resume = () => {
    wait.current = firstMs;
    lastNews.current = Date.now();
    setQuiet(false);
    askNow();
  };
  return { quiet, resume };
}
