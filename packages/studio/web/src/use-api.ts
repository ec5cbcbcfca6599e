import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";

/** What a view shows while its data loads: the data, the error, and a way to load it again. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/**
 * Loads `path` (skipped while it is `undefined`) and again whenever it changes or `reload` is called.
 * Data is only ever that of the current path: after the path changed, the old path's data is not
 * shown, not while the new one loads and not when it fails (a table must not show the rows of the
 * filters before). A reload of the same path keeps its data until the new one comes.
 */
export function useApi<T>(path: string | undefined): Loaded<T> {
  const [loaded, setLoaded] = useState<{ path: string; value: T } | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    let live = true;
    setError(undefined);
    api<T>(path).then(
      (value) => {
        if (live) setLoaded({ path, value });
      },
      (failure: unknown) => {
        if (live) setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const data = loaded !== undefined && loaded.path === path ? loaded.value : undefined;
  return { data, error, reload };
}
