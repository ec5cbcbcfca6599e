// Child process of studio.bench.ts: serves either the Catena studio on a database file (`studio`,
// or `studio-no-search` with the full-text search index replaced by an inert view: the write path
// before migration 10) or a discarding sink (the floor: what the SDK costs with a server that stores nothing), prints
// "READY <url>" and, on SIGTERM, "CPU <ms>" (its user + system time since it was ready, so that
// start-up is not counted) before exiting.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { STUDIO_INFO, StudioStore, startStudio } from "@catena/studio";
import { withoutSearchIndex } from "../page/search-ingest.ts";

const [kind, dbPath] = process.argv.slice(2);

async function serveSink(): Promise<{ url: string; close(): Promise<void> }> {
  const info = JSON.stringify(STUDIO_INFO);
  const server = createServer((req, res) => {
    req.on("data", () => {});
    req.on("end", () => {
      res.writeHead(req.url === "/info" ? 200 : 202, { "content-type": "application/json" });
      res.end(req.url === "/info" ? info : "{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (kind === "studio-no-search" && dbPath !== undefined) {
  const store = StudioStore.open(dbPath);
  withoutSearchIndex(store.db);
  store.close();
}
const server = kind === "sink" ? await serveSink() : await startStudio({ dbPath: dbPath ?? ":memory:" });
const ready = process.cpuUsage();
process.stdout.write(`READY ${server.url}\n`);
process.once("SIGTERM", async () => {
  await server.close();
  const cpu = process.cpuUsage(ready);
  process.stdout.write(`CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)}\n`);
  process.exit(0);
});
