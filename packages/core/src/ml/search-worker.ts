// A search worker: scans a share of a batch of queries over an index's shared memory (see
// parallel-search.ts). Messages: "attach" (the memory and this worker's scratch space), "search".
import { parentPort } from "node:worker_threads";
import { type ScanLayout, type ScanScratch, scanBlocks } from "./block-scan.ts";
import { type DotKernelExports, instantiateDotKernels } from "./wasm/dot-kernels.ts";
import type { WasmMemory } from "./wasm/wasm-runtime.ts";

/** What the main thread sends a search worker. */
export type SearchWorkerMessage =
  | { type: "attach"; memory: WasmMemory; scratch: ScanScratch }
  | {
      type: "search";
      id: number;
      layout: ScanLayout;
      /** All queries of the batch, unit length, row-major (a SharedArrayBuffer). */
      queries: SharedArrayBuffer;
      from: number;
      count: number;
      k: number;
      /** Results: rows (Int32, -1 where fewer than k) and scores (Float32), k per query. */
      rows: SharedArrayBuffer;
      scores: SharedArrayBuffer;
    };

let attached: { memory: WasmMemory; kernels: DotKernelExports; scratch: ScanScratch } | undefined;

parentPort?.on("message", (message: SearchWorkerMessage) => {
  if (message.type === "attach") {
    attached = {
      memory: message.memory,
      kernels: instantiateDotKernels(message.memory),
      scratch: message.scratch,
    };
    return;
  }
  try {
    if (!attached) throw new Error("search worker: search before attach");
    const { id, layout, from, count, k } = message;
    const found = scanBlocks(
      attached.kernels,
      attached.memory.buffer,
      layout,
      attached.scratch,
      new Float32Array(message.queries),
      from,
      count,
      k,
    );
    const rows = new Int32Array(message.rows);
    const scores = new Float32Array(message.scores);
    found.forEach((hits, q) => {
      const base = (from + q) * k;
      for (let j = 0; j < k; j++) {
        const hit = hits[j];
        rows[base + j] = hit ? hit[1] : -1;
        scores[base + j] = hit ? hit[0] : 0;
      }
    });
    parentPort?.postMessage({ id });
  } catch (error) {
    parentPort?.postMessage({
      id: (message as { id: number }).id,
      error: String((error as Error)?.stack ?? error),
    });
  }
});
