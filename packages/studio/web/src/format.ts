/** Milliseconds as people read them: `840 ms`, `2.4 s`. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Dollars with enough digits for the cost of one LLM call. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || usd === 0) return "–";
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(3)}`;
}

/** A confidence or threshold rounded to two decimals, as everywhere people read them. */
export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : value.toFixed(2);
}

/**
 * A cascade threshold as people read it: two decimals like a confidence, or `never` for a tier
 * that accepts nothing (a threshold above every confidence, such as core's `NEVER_ACCEPT`, 2).
 */
export function formatThreshold(value: number | null | undefined): string {
  return value !== null && value !== undefined && value > 1 ? "never" : formatScore(value);
}

/**
 * Whether `text` is a content hash, 64 hex digits (a SHA-256): what a trained classifier traces as
 * its model, and a chain's fingerprint. The page's one test of it; the studio's tier rule
 * (answering-tier.ts) makes the same one in SQL.
 */
export function isContentHash(text: string): boolean {
  return /^[0-9a-f]{64}$/i.test(text);
}

/**
 * A model as people read it: an LLM's id as it is; a trained classifier's content hash (what a
 * `classify` tier traces as its model, 64 hex digits) as `classifier 1a2b3c4d`, which tells the
 * artifacts apart without filling the column. `title` holds the full hash, for a hover.
 */
export function formatModel(model: string | null | undefined): { text: string; title?: string } {
  if (model === null || model === undefined || model === "") return { text: "–" };
  return isContentHash(model) ? { text: `classifier ${model.slice(0, 8)}`, title: model } : { text: model };
}

/** A timestamp in the browser's time zone, without the noise of milliseconds. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "–";
  const date = new Date(iso.endsWith("Z") || iso.includes("+") ? iso : `${iso}Z`);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A one-line preview of a JSON text or value, cut between characters (never inside an emoji's pair). */
export function preview(value: unknown, max = 120): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  if (text.length <= max) return text;
  let end = max - 1;
  // A high surrogate at the cut would leave half a character: a replacement box on screen.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Milliseconds between two ISO timestamps, or null. */
export function durationMs(start: string | null, end: string | null): number | null {
  if (start === null || end === null) return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) ? ms : null;
}
