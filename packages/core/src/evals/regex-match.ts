import { EvalsError } from "./evals-error.ts";
import { defineEvaluator, type Evaluator } from "./evaluator.ts";

/** Options of {@link regexMatch}. */
export interface RegexMatchOptions {
  /** The pattern, as a RegExp or its source text. */
  pattern: RegExp | string;
  /** Regex flags when `pattern` is text, e.g. `"i"`. */
  flags?: string;
  /** The output field tested (its text); default: the whole output, as JSON text when not a string. */
  field?: string;
  /** Pass when the pattern does NOT match (e.g. no e-mail address leaks into an answer). */
  negate?: boolean;
  key?: string;
}

/**
 * Regex check on the output (or one field of it): passes when the pattern matches, or, with
 * `negate`, when it does not.
 *
 * @example
 * regexMatch({ field: "answer", pattern: /\\d/ })
 */
export function regexMatch(options: RegexMatchOptions): Evaluator {
  let regex: RegExp;
  try {
    regex =
      typeof options.pattern === "string" ? new RegExp(options.pattern, options.flags) : options.pattern;
  } catch (error) {
    throw new EvalsError(
      "EVALUATOR_INVALID",
      `regex evaluator: ${String(options.pattern)} is not a valid regular expression (${(error as Error).message}); fix the pattern.`,
      { cause: error, details: { pattern: String(options.pattern) } },
    );
  }
  const key = options.key ?? (options.field === undefined ? "regex" : `${options.field}_regex`);
  const settings = {
    source: regex.source,
    flags: regex.flags,
    field: options.field ?? null,
    negate: options.negate === true,
  };
  return defineEvaluator("regex", key, settings, ({ output }) => {
    const value =
      options.field === undefined ? output : (output as Record<string, unknown> | undefined)?.[options.field];
    if (value === undefined || value === null) return { key, score: null, comment: "no output to test" };
    const text = typeof value === "string" ? value : JSON.stringify(value);
    regex.lastIndex = 0;
    const matched = regex.test(text);
    const pass = options.negate === true ? !matched : matched;
    return pass
      ? { key, score: true }
      : {
          key,
          score: false,
          comment: `${matched ? "matches" : "does not match"} /${regex.source}/${regex.flags}`,
        };
  });
}
