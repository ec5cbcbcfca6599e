import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * The button that opened an editor gets the focus back once the editor closes (Escape, Cancel, a
 * save): the editor's text field went with it, and the keyboard's focus fell to the page's top.
 * Only when the focus was lost: a reader who clicked elsewhere keeps it there.
 */
export function useFocusBack<T extends HTMLElement>(open: boolean): RefObject<T | null> {
  const opener = useRef<T>(null);
  const wasOpen = useRef(open);
  useEffect(() => {
    const closed = wasOpen.current && !open;
    wasOpen.current = open;
    if (!closed) return;
    const active = document.activeElement;
    if (active === null || active === document.body) opener.current?.focus();
  }, [open]);
  return opener;
}
