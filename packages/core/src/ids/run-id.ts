import { randomFillSync } from "node:crypto";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const POOL_IDS = 256;
const pool = new Uint8Array(10 * POOL_IDS);
let offset = pool.length;

/**
 * A UUIDv7 run id (48-bit millisecond timestamp, then random bits), as LangSmith's SDK makes them:
 * ids sort by start time. Random bytes come from a pool refilled 256 ids at a time, because asking
 * the OS for 10 bytes per run costs more than the rest of a short run.
 */
export function newRunId(now: number = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const r = pool;
  const o = offset;
  offset += 10;
  const t = Math.floor(now);
  const hi = Math.floor(t / 0x10000);
  const lo = t % 0x10000;
  return (
    HEX[(hi >>> 24) & 0xff]! +
    HEX[(hi >>> 16) & 0xff]! +
    HEX[(hi >>> 8) & 0xff]! +
    HEX[hi & 0xff]! +
    "-" +
    HEX[(lo >>> 8) & 0xff]! +
    HEX[lo & 0xff]! +
    "-" +
    HEX[0x70 | (r[o]! & 0x0f)]! +
    HEX[r[o + 1]!]! +
    "-" +
    HEX[0x80 | (r[o + 2]! & 0x3f)]! +
    HEX[r[o + 3]!]! +
    "-" +
    HEX[r[o + 4]!]! +
    HEX[r[o + 5]!]! +
    HEX[r[o + 6]!]! +
    HEX[r[o + 7]!]! +
    HEX[r[o + 8]!]! +
    HEX[r[o + 9]!]!
  );
}
