import { useState } from "preact/hooks";

/**
 * A long hash (a classifier's content hash, a chain's fingerprint) as people read it: `text`, its
 * short form, with the whole hash as its title (a hover) and a Copy button for keyboards and
 * phones, which have no hover. Where the clipboard is not allowed (a page served over plain HTTP to
 * another machine) the whole hash is shown instead, to select by hand.
 */
export function ShortHash({ text, full, what }: { text: string; full: string; what: string }) {
  const [state, setState] = useState<"idle" | "copied" | "shown">("idle");
  const copy = () => {
    const clipboard = navigator.clipboard as Clipboard | undefined;
    if (clipboard === undefined) {
      setState("shown");
      return;
    }
    clipboard.writeText(full).then(
      () => setState("copied"),
      () => setState("shown"),
    );
  };
  return (
    <span class="short-hash">
      <code title={full}>{state === "shown" ? full : text}</code>{" "}
      <button type="button" class="link-button" onClick={copy} aria-label={`Copy the full ${what}`}>
        {state === "copied" ? "copied" : "copy"}
      </button>
    </span>
  );
}
