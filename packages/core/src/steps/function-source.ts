/**
 * The source text of a function as it goes into a fingerprint. Whitespace is dropped so that the
 * same function hashes alike whether it was loaded from TypeScript with types stripped or from the
 * compiled JavaScript (type annotations leave only whitespace behind when stripped).
 */
export function functionSource(fn: (...args: never[]) => unknown): string {
  return Function.prototype.toString.call(fn).replace(/\s+/g, "");
}
