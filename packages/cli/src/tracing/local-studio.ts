import type { LocalStudio } from "@catena/core/tracing";

/**
 * Starts the local studio in this process, on its own worker thread, on a free port of 127.0.0.1,
 * on the database given by `CATENA_STUDIO_DB` or else the default one, which `catena studio` also
 * serves (SQLite in WAL mode lets several processes share it). On its own thread, storing traces
 * does not take the event loop from the chains (see bench/RESULTS.md, "Tracing overhead").
 */
export async function startLocalStudio(apiKey?: string): Promise<LocalStudio & { dbPath: string }> {
  // Loaded on demand: commands that trace nothing never open SQLite.
  const { defaultStudioDbPath, startStudioInWorker } = await import("@catena/studio");
  const dbPath = process.env.CATENA_STUDIO_DB?.trim() || defaultStudioDbPath();
  return startStudioInWorker({
    port: 0,
    host: "127.0.0.1",
    dbPath,
    ...(apiKey === undefined ? {} : { apiKey }),
  });
}
