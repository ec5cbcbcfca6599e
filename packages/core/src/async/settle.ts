import { AbortedError, TimeoutError } from "../errors/errors.ts";

/**
 * Waits for a step's result, giving up when the signal aborts or the timeout passes. A synchronous
 * result is returned as is, so fast code steps never pay for a promise.
 */
export function settle<T>(
  value: T | PromiseLike<T>,
  what: string,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  onTimeout?: () => void,
): T | Promise<T> {
  if (!isThenable(value)) return value;
  if (signal === undefined && timeoutMs === undefined) return value as Promise<T>;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      reject(abortReason(signal as AbortSignal, what));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        cleanup();
        onTimeout?.();
        reject(new TimeoutError(what, timeoutMs));
      }, timeoutMs);
    }
    value.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        cleanup();
        reject(e);
      },
    );
  });
}

/** The error a run or step reports when its signal aborted: the signal's own Catena reason, or AbortedError. */
export function abortReason(signal: AbortSignal, what: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof TimeoutError || reason instanceof AbortedError) return reason;
  return new AbortedError(what, { cause: reason });
}

/** Resolves after `ms`, or rejects early when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal, "backoff"));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal, "backoff"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Whether a step gave a promise or another thenable (a library's own promise type) to wait for. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}
