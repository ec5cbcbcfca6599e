import { useEffect } from "preact/hooks";

const STUDIO = "Catena studio";

/**
 * Names the browser tab after what the view shows (`Runs · support — Catena studio`): every tab
 * was "Catena studio", and a reviewer with a trace, the queue and the runs open could not tell
 * them apart. `undefined` parts (a name still loading) are left out.
 */
export function usePageTitle(...parts: Array<string | undefined>): void {
  const title = [parts.filter((p) => p !== undefined && p !== "").join(" · "), STUDIO]
    .filter((p) => p !== "")
    .join(" — ");
  useEffect(() => {
    document.title = title;
  }, [title]);
}
