import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";

/** What a view shows while its data loads: the data, the error, and a way to load it again. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
  /** How many loads have ended (with data or an error): changes once per answer, also for the same error twice. */
  settled: number;
  /** A load is under way (the first, a reload, or a retry after an error): a retry shows it is busy. */
  loading: boolean;
}

/**
 * Loads `path` (skipped while it is `undefined`) and again whenever it changes or `reload` is called.
 * Data is only ever that of the current path: after the path changed, the old path's data is not
 * shown, not while the new one loads and not when it fails (a table must not show the rows of the
 * filters before). A reload of the same path keeps its data, and its error, until the next answer
 * comes: a refetch that fails once leaves the data shown beside the error (a view keeps what the
 * reader was doing and says it could not refresh), and the error stays while it is tried again.
 */
export function useApi<T>(path: string | undefined): Loaded<T> {
  const [loaded, setLoaded] = useState<{ path: string; value: T } | undefined>(undefined);
  const [failed, setFailed] = useState<{ path: string; message: string } | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const [settled, setSettled] = useState(0);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    if (path === undefined) {
      setLoading(false);
      return;
    }
    let live = true;
    setLoading(true);
    // Another path's error is not this one's (this path's own stays until its answer).
    setFailed((f) => (f?.path === path ? f : undefined));
    api<T>(path).then(
      (value) => {
        if (!live) return;
        setLoaded({ path, value });
        setFailed(undefined);
        setSettled((n) => n + 1);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!live) return;
        setFailed({ path, message: failure instanceof Error ? failure.message : String(failure) });
        setSettled((n) => n + 1);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const data = loaded !== undefined && loaded.path === path ? loaded.value : undefined;
  const error = failed !== undefined && failed.path === path ? failed.message : undefined;
  return { data, error, reload, settled, loading };
}
