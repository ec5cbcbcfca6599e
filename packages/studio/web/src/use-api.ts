import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";

/** What a view shows while its data loads: the data, the error, and a way to load it again. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/** Loads `path` (skipped while it is `undefined`) and again whenever it changes or `reload` is called. */
export function useApi<T>(path: string | undefined): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    let live = true;
    setError(undefined);
    api<T>(path).then(
      (value) => {
        if (live) setData(value);
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
  return { data, error, reload };
}
