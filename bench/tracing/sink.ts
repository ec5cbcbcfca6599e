// Child process of tracing.bench.ts: a discarding trace sink on 127.0.0.1 that answers `/info`
// like the studio, but with `use_multipart_endpoint` set by the first argument (`multipart` or
// `batch`), so that the SDK uploads either multipart bodies (its default) or JSON `/runs/batch`
// bodies. It reads and drops every body, prints "READY <url>", and exits on SIGTERM.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { STUDIO_INFO, STUDIO_INFO_JSON_INGEST } from "@catena/studio";

// The same `/info` as the studio gives the SDK (multipart) or Catena's tracer (JSON batches).
const info = JSON.stringify(process.argv[2] === "batch" ? STUDIO_INFO_JSON_INGEST : STUDIO_INFO);
const server = createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => {
    res.writeHead(req.url === "/info" ? 200 : 202, { "content-type": "application/json" });
    res.end(req.url === "/info" ? info : "{}");
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
