import { Worker } from "node:worker_threads";
import type { RunningStudio, StudioOptions } from "./start-studio.ts";
import { StudioStartError, type StudioStartErrorCode } from "./studio-start-error.ts";
import type { FromStudioWorker } from "./studio-worker.ts";

/**
 * Starts the studio on a worker thread of this process: what `catena run` and `batch` do when no
 * studio is running. The chains' thread then only hands runs to the tracer; receiving, parsing
 * and storing them happens on the studio's own thread, as it would in a studio of its own process.
 * `close()` lets requests under way finish (every acknowledged run is committed) before the
 * thread ends. A decision-resuming hook (`resumeReview`) cannot cross threads and is not taken.
 *
 * @example
 * const studio = await startStudioInWorker({ dbPath: "/tmp/studio.db" });
 * const tracer = langsmithTracer({ apiUrl: studio.url });
 * // ...
 * await tracer.flush();
 * await studio.close();
 */
export function startStudioInWorker(
  options: Omit<StudioOptions, "resumeReview"> = {},
): Promise<RunningStudio> {
  const worker = spawn(options);
  return new Promise((resolve, reject) => {
    const onExit = (code: number) =>
      reject(
        new StudioStartError(
          "listen-failed",
          options.host ?? "127.0.0.1",
          `The studio's worker thread stopped (exit code ${code}) before it listened.`,
        ),
      );
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.once("message", (message: FromStudioWorker) => {
      worker.off("exit", onExit);
      worker.off("error", reject);
      if (message.type === "failed") {
        const code = (message.code ?? "listen-failed") as StudioStartErrorCode;
        reject(new StudioStartError(code, message.host ?? options.host ?? "127.0.0.1", message.message));
        return;
      }
      if (message.type !== "ready") return;
      resolve(running(worker, message));
    });
  });
}

function running(worker: Worker, ready: { url: string; port: number; dbPath: string }): RunningStudio {
  let closing: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    url: ready.url,
    port: ready.port,
    dbPath: ready.dbPath,
    close() {
      closing ??= (async () => {
        worker.postMessage({ type: "close" });
        await exited;
      })();
      return closing;
    },
  };
}

/** The worker runs from the same place as this module: its `.ts` source, or the built `.js`. */
function spawn(options: StudioOptions): Worker {
  const url = new URL(
    import.meta.url.endsWith(".ts") ? "./studio-worker.ts" : "./studio-worker.js",
    import.meta.url,
  );
  try {
    return new Worker(url, { workerData: options });
  } catch (error) {
    // Some of this process's Node options are not allowed in workers; the worker needs none.
    if ((error as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    return new Worker(url, { workerData: options, execArgv: [] });
  }
}
