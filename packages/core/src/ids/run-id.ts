import { randomFillSync } from "node:crypto";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const DIGITS = new TextEncoder().encode("0123456789abcdef");
const DASH = 0x2d;
/** Random ids made at once at most: one OS call and one string per 4,096 runs. */
const POOL_IDS = 4096;
/**
 * Random ids made by the first refill; each refill makes twice as many, up to {@link POOL_IDS}:
 * a one-off `catena run` should not pay for 4,096 ids (~3 ms) to use one.
 */
const FIRST_POOL_IDS = 32;
/** The random part of an id as text: `7xxx-yxxx-xxxxxxxxxxxx`. */
const TAIL = 22;
const random = new Uint8Array(10 * POOL_IDS);
const text = Buffer.allocUnsafeSlow(TAIL * POOL_IDS);
const hex16 = new Uint16Array(text.buffer, text.byteOffset, (TAIL * POOL_IDS) >>> 1);
/** A byte's two hex digits as one 16-bit unit in the platform's byte order. */
const PAIRS = Uint16Array.from({ length: 256 }, (_, v) => {
  const pair = new Uint8Array([DIGITS[v >>> 4] as number, DIGITS[v & 0x0f] as number]);
  return new Uint16Array(pair.buffer)[0] as number;
});
let tails = "";
/** Ids in the current pool, and the next one to hand out. */
let poolIds = 0;
let next = 0;
let prefixMs = -1;
let prefix = "";

/**
 * A UUIDv7 run id (48-bit millisecond timestamp, then random bits), as LangSmith's SDK makes them:
 * ids sort by start time. Built from two pieces made in bulk, since a run id is made per run and
 * joining 20 hex pairs per id cost more than the rest of a short run's bookkeeping: the time part
 * once per millisecond, the random parts 4,096 at a time into one string that each id slices.
 */
export function newRunId(now: number = Date.now()): string {
  if (next === poolIds) refill();
  const t = Math.floor(now);
  if (t !== prefixMs) {
    prefixMs = t;
    const hi = Math.floor(t / 0x10000);
    const lo = t % 0x10000;
    prefix = `${HEX[(hi >>> 24) & 0xff]}${HEX[(hi >>> 16) & 0xff]}${HEX[(hi >>> 8) & 0xff]}${HEX[hi & 0xff]}-${HEX[(lo >>> 8) & 0xff]}${HEX[lo & 0xff]}-`;
  }
  const o = next++ * TAIL;
  return prefix + tails.slice(o, o + TAIL);
}

/** Makes the next random parts (up to 4,096): version 7, RFC 4122 variant, 74 random bits each. */
function refill(): void {
  poolIds = poolIds === 0 ? FIRST_POOL_IDS : Math.min(POOL_IDS, poolIds * 2);
  randomFillSync(random, 0, 10 * poolIds);
  // Two hex digits per byte, as one 16-bit store: `text` is read as 16-bit units at even offsets,
  // so the tail `7xxx-yxxx-xxxxxxxxxxxx` is written with its dashes at odd ones (4 and 9) byte-wise.
  for (let i = 0; i < poolIds; i++) {
    const o = i * 10;
    const w = i * TAIL;
    const h = w >>> 1;
    // Version 7, then the RFC 4122 variant.
    hex16[h] = PAIRS[0x70 | ((random[o] as number) & 0x0f)] as number;
    hex16[h + 1] = PAIRS[random[o + 1] as number] as number;
    text[w + 4] = DASH;
    text[w + 5] = DIGITS[0x8 | (((random[o + 2] as number) >>> 4) & 0x3)] as number;
    text[w + 6] = DIGITS[(random[o + 2] as number) & 0x0f] as number;
    text[w + 7] = DIGITS[(random[o + 3] as number) >>> 4] as number;
    text[w + 8] = DIGITS[(random[o + 3] as number) & 0x0f] as number;
    text[w + 9] = DASH;
    hex16[h + 5] = PAIRS[random[o + 4] as number] as number;
    hex16[h + 6] = PAIRS[random[o + 5] as number] as number;
    hex16[h + 7] = PAIRS[random[o + 6] as number] as number;
    hex16[h + 8] = PAIRS[random[o + 7] as number] as number;
    hex16[h + 9] = PAIRS[random[o + 8] as number] as number;
    hex16[h + 10] = PAIRS[random[o + 9] as number] as number;
  }
  // Buffer's latin1 is a native copy into a one-byte string; TextDecoder("latin1") decodes as
  // windows-1252 in JavaScript, ~15× slower (it was half of an id's cost).
  tails = text.toString("latin1", 0, TAIL * poolIds);
  next = 0;
}
