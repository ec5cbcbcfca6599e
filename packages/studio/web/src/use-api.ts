import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";

/** What a view shows while its data loads: the data, the error, and a way to load it again. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
  /** How many loads have ended (with data or an error): changes once per answer, also for the same error twice. */
  settled: number;
  /**
   * A load is under way (the first, a reload, or a retry after an error): a retry shows it is busy.
   * True from the very render that asks (not only once the request has gone, a frame later): a
   * "Try again" was shown for one frame as done and failed before it was shown as busy.
   */
  loading: boolean;
}

/**
 * Loads `path` (skipped while it is `undefined`) and again whenever it changes or `reload` is called.
 * Data is only ever that of the current path: after the path changed, the old path's data is not
 * shown, not while the new one loads and not when it fails (a table must not show the rows of the
 * filters before). A reload of the same path keeps its data, and its error, until the next answer
 * comes: a refetch that fails once leaves the data shown beside the error (a view keeps what the
 * reader was doing and says it could not refresh), and the error stays while it is tried again.
 *
 * `same` names what the data is of when the path also holds what changes from one ask to the next
 * (Trends' window, ending at the minute asked): a new path of the same `same` is a reload, not
 * other data (its data and error stay until the answer). By default it is the path.
 */
export function useApi<T>(path: string | undefined, { same = path }: { same?: string } = {}): Loaded<T> {
  const [loaded, setLoaded] = useState<{ same: string; value: T } | undefined>(undefined);
  const [failed, setFailed] = useState<{ same: string; message: string } | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const [settled, setSettled] = useState(0);
  // The ask last answered, and whether one is out: what is asked now and was not answered yet
  // is loading in the render that changed it, before its effect has sent anything.
  const [answered, setAnswered] = useState<string | undefined>(undefined);
  const [out, setOut] = useState(false);
  const asked = path === undefined ? undefined : `${tick} ${path}`;
  const key = same ?? path;
  useEffect(() => {
    if (path === undefined || key === undefined) {
      setOut(false);
      return;
    }
    const ask = `${tick} ${path}`;
    let live = true;
    setOut(true);
    // Other data's error is not this one's (this one's own stays until its answer).
    setFailed((f) => (f?.same === key ? f : undefined));
    const answer = () => {
      setAnswered(ask);
      setSettled((n) => n + 1);
      setOut(false);
    };
    api<T>(path).then(
      (value) => {
        if (!live) return;
        setLoaded({ same: key, value });
        setFailed(undefined);
        answer();
      },
      (failure: unknown) => {
        if (!live) return;
        setFailed({ same: key, message: failure instanceof Error ? failure.message : String(failure) });
        answer();
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick, key]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const data = loaded !== undefined && loaded.same === key ? loaded.value : undefined;
  const error = failed !== undefined && failed.same === key ? failed.message : undefined;
  const loading = asked !== undefined && (out || answered !== asked);
  return { data, error, reload, settled, loading };
}
