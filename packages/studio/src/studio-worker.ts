/*
 * The worker thread a studio started by `startStudioInWorker` serves from: HTTP parsing, JSON and
 * SQLite writes run here, on their own event loop, not on the thread the chains run on.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type RunningStudio, type StudioOptions, startStudio } from "./start-studio.ts";
import { StudioStartError } from "./studio-start-error.ts";

/** Messages from the studio's worker thread to the thread that started it. */
export type FromStudioWorker =
  | { type: "ready"; url: string; port: number; dbPath: string }
  | { type: "failed"; message: string; code?: string; host?: string }
  | { type: "closed" };

const port = parentPort;
if (port === null) throw new Error("studio-worker.ts runs as a worker thread (startStudioInWorker)");
const post = (message: FromStudioWorker): void => port.postMessage(message);

let studio: RunningStudio | undefined;
try {
  studio = await startStudio(workerData as StudioOptions);
  post({ type: "ready", url: studio.url, port: studio.port, dbPath: studio.dbPath });
} catch (error) {
  post(
    error instanceof StudioStartError
      ? { type: "failed", message: error.message, code: error.code, host: error.host }
      : { type: "failed", message: error instanceof Error ? error.message : String(error) },
  );
  port.close();
}

port.on("message", (message: { type: "close" }) => {
  if (message.type !== "close") return;
  // Requests under way finish (their runs are committed and acknowledged) before the database closes.
  void (studio?.close() ?? Promise.resolve()).then(() => {
    post({ type: "closed" });
    port.close();
  });
});
