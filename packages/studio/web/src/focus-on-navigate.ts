import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** How long a view may take to show its heading (its data loading) before the focus is left alone. */
const WAIT_FOR_HEADING_MS = 10_000;

/**
 * After an in-page navigation to another view (`path` changed, not only its query: a filter applied
 * keeps the focus where it is), the focus moves to the new view's heading (its one `h1`) in `main`,
 * as a page load would start a screen reader there; it stayed on the body, or on a link of the view
 * gone. A view still loading gets it once its heading appears; a reader who focused something
 * meanwhile keeps it. Not on the first load: the browser starts at the page's top then.
 */
export function useFocusOnNavigate(main: RefObject<HTMLElement | null>, path: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const area = main.current;
    if (area === null) return;
    // The focus is the reader's own when it is on something of the new view or a dialog: only a
    // focus lost (the body) or left on the link followed in the top bar is moved.
    return focusHeadingOnceShown(
      area,
      (active) => active === null || active === document.body || active.closest("header.top") !== null,
    );
  }, [path]);
}

/**
 * Moves the focus to the view's heading once it is shown (a view still loading has none yet), for
 * a reader whose focus went with what was replaced (a "Try again" button whose try succeeded).
 */
export function focusViewHeading(): void {
  const area = document.querySelector("main");
  if (area !== null) focusHeadingOnceShown(area, (active) => active === null || active === document.body);
}

/**
 * Focuses the `h1` in `area` now or once it appears (up to {@link WAIT_FOR_HEADING_MS}), if the
 * focus is still `lost` then. Returns what stops the watch.
 */
function focusHeadingOnceShown(area: HTMLElement, lost: (active: Element | null) => boolean): () => void {
  const moveTo = (): boolean => {
    const heading = area.querySelector<HTMLElement>("h1");
    if (heading === null) return false;
    if (lost(document.activeElement)) {
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
    return true;
  };
  if (moveTo()) return () => {};
  const watch = new MutationObserver(() => {
    if (moveTo()) stop();
  });
  const timer = setTimeout(() => stop(), WAIT_FOR_HEADING_MS);
  const stop = () => {
    watch.disconnect();
    clearTimeout(timer);
  };
  watch.observe(area, { childList: true, subtree: true });
  return stop;
}
