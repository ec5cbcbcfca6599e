// Ingestion through the studio store's write path with and without the full-text search index,
// alone (search.bench.ts runs it after the 1,000,000-run queries). See bench/RESULTS.md ("Studio
// web page: full-text search").
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { machineNotes, numberArg } from "../lib/report.ts";
import { searchIngestTable } from "./search-ingest.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-search-ingest-"));
try {
  const table = searchIngestTable(dir, numberArg("ingest", 10_000), numberArg("ingest-rounds", 5));
  process.stdout.write(`${machineNotes()}\n\n${table}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
