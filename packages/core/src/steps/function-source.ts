import { tokenizer } from "acorn";

/**
 * The source text of a function as it goes into a fingerprint: its tokens joined by single spaces.
 * Layout and type annotations (which Node's type stripping turns into whitespace) do not count, so
 * the same function hashes alike from TypeScript sources run by `node` and from the built packages
 * (built with the same type stripping: scripts/build-package.ts); the contents of string, template
 * and regex literals count exactly. Loaders that reprint code (tsc's emit, esbuild, tsx, bundlers)
 * can change tokens (`0.6` to `.6`, dropped trailing commas) and so give other fingerprints.
 */
export function functionSource(fn: (...args: never[]) => unknown): string {
  const source = Function.prototype.toString.call(fn);
  try {
    const tokens: string[] = [];
    for (const token of tokenizer(source, { ecmaVersion: "latest", allowReturnOutsideFunction: true })) {
      tokens.push(source.slice(token.start, token.end));
    }
    return tokens.join(" ");
  } catch {
    // Native functions ("[native code]") and other sources acorn cannot read: whitespace-normalised text.
    return source.replace(/\s+/g, " ").trim();
  }
}
