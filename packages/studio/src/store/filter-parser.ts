import { StudioHttpError } from "../http/studio-http-error.ts";

/*
 * LangSmith's filter language, parsed into calls: `and(eq(run_type, "chain"), has(tags, "v1"))`
 * becomes `{ call: "and", args: [...] }`. Run filters (run-filter.ts) and example filters
 * (example-filter.ts) compile the calls to SQL each in their own way.
 */

/** A value in a filter: string, number, boolean, null or a list. */
export type Literal = string | number | boolean | null | Literal[];
/** A function call of a filter, e.g. `eq(name, "x")`. */
export type Node = { call: string; args: Arg[] };
/** An argument of a call: a nested call, a field name or a literal. */
export type Arg = Node | { field: string } | { literal: Literal };

/**
 * How large a filter may be: `and`/`or`/`not` nested at most 32 deep, at most 500 conditions
 * (function calls and `has(metadata, ...)` keys) and at most 10,000 values in all, `in()` lists
 * included. Past them SQLite gives up (its expressions nest at most 1,000 deep, a query binds at
 * most 32,766 values), so the studio answers a 422 that says which limit and what to do instead.
 */
export const FILTER_LIMITS = { depth: 32, conditions: 500, values: 10_000 } as const;

/** The filter language the studio understands, as shown in error messages. */
export const FILTER_HELP =
  'functions and(...), or(...), not(x), eq/neq/gt/gte/lt/lte(field, value), like/ilike(field, "pat%"), in(field, [values]), has(tags, "t"), in(tags, ["t", "u"]), has(metadata, \'{"k": "v"}\'), exists(metadata, "k"), in(metadata_value, ["a", "b"]), search("text"); ' +
  "fields id, name, run_type, status, trace_id, parent_run_id, session_id, thread_id, reference_example_id, start_time, end_time, " +
  'latency and first_token_time (seconds or "5s"), error, is_root, tokens and costs, tags, metadata_key/metadata_value, input_key/input_value, output_key/output_value, feedback_key/feedback_score/feedback_value';

/** Parses LangSmith's filter language into calls (also used for example filters). */
export class FilterParser {
  readonly #text: string;
  readonly #help: string;
  #pos = 0;
  #depth = 0;
  #calls = 0;
  #values = 0;

  /** @param help the language the caller compiles, for error messages (run filters by default). */
  constructor(text: string, help: string = FILTER_HELP) {
    this.#text = text;
    this.#help = help;
  }

  parse(): Node {
    const node = this.#call();
    this.#space();
    if (this.#pos < this.#text.length) this.#fail("unexpected text after the filter");
    return node;
  }

  #call(): Node {
    const name = this.#identifier();
    if (name === undefined) this.#fail("expected a function such as eq(...) or and(...)");
    if (++this.#calls > FILTER_LIMITS.conditions) {
      this.#tooLarge(
        `more than ${FILTER_LIMITS.conditions} conditions`,
        "split it into several queries, or use in(field, [values]) instead of many eq()s",
      );
    }
    if (++this.#depth > FILTER_LIMITS.depth) {
      this.#tooLarge(
        `functions nested more than ${FILTER_LIMITS.depth} deep`,
        "flatten it: and(a, b, c) instead of and(a, and(b, c))",
      );
    }
    this.#expect("(");
    const args: Arg[] = [];
    this.#space();
    if (this.#peek() !== ")") {
      for (;;) {
        args.push(this.#arg());
        this.#space();
        if (this.#peek() === ",") {
          this.#pos++;
          continue;
        }
        break;
      }
    }
    this.#expect(")");
    this.#depth--;
    return { call: name.toLowerCase(), args };
  }

  #arg(): Arg {
    this.#space();
    const c = this.#peek();
    if (c === '"' || c === "'" || c === "[" || c === "-" || (c !== undefined && /[0-9]/.test(c))) {
      return { literal: this.#literal() };
    }
    const start = this.#pos;
    const name = this.#identifier();
    if (name === undefined) this.#fail("expected a field, a value or a function");
    this.#space();
    if (this.#peek() === "(") {
      this.#pos = start;
      return this.#call();
    }
    if (name === "null") return { literal: null };
    if (name === "true" || name === "false") return { literal: name === "true" };
    return { field: name };
  }

  #literal(inList = false): Literal {
    this.#space();
    if (++this.#values > FILTER_LIMITS.values) {
      this.#tooLarge(
        `more than ${FILTER_LIMITS.values} values`,
        "split the list over several queries, or filter by session, trace or time instead",
      );
    }
    const c = this.#peek();
    if (c === '"' || c === "'") return this.#string(c);
    if (c === "[") {
      if (inList) this.#fail("a list holds values, not lists");
      this.#pos++;
      const items: Literal[] = [];
      this.#space();
      if (this.#peek() !== "]") {
        for (;;) {
          items.push(this.#literal(true));
          this.#space();
          if (this.#peek() === ",") {
            this.#pos++;
            continue;
          }
          break;
        }
      }
      this.#expect("]");
      return items;
    }
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.#text.slice(this.#pos));
    if (match !== null) {
      this.#pos += match[0].length;
      return Number(match[0]);
    }
    const word = this.#identifier();
    if (word === "null") return null;
    if (word === "true" || word === "false") return word === "true";
    return this.#fail("expected a value: a quoted string, a number, true, false, null or [list]");
  }

  #string(quote: string): string {
    this.#pos++;
    let out = "";
    while (this.#pos < this.#text.length) {
      const c = this.#text[this.#pos++]!;
      if (c === "\\") {
        out += this.#text[this.#pos++] ?? "";
        continue;
      }
      if (c === quote) return out;
      out += c;
    }
    return this.#fail("unterminated string");
  }

  #identifier(): string | undefined {
    this.#space();
    const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.#text.slice(this.#pos));
    if (match === null) return undefined;
    this.#pos += match[0].length;
    return match[0];
  }

  #expect(c: string): void {
    this.#space();
    if (this.#peek() !== c) this.#fail(`expected "${c}"`);
    this.#pos++;
  }

  #peek(): string | undefined {
    return this.#text[this.#pos];
  }

  #space(): void {
    while (this.#pos < this.#text.length && /\s/.test(this.#text[this.#pos]!)) this.#pos++;
  }

  #fail(what: string): never {
    throw new StudioHttpError(
      422,
      `Cannot parse filter ${JSON.stringify(this.#text)} at character ${this.#pos}: ${what}. Supported: ${this.#help}.`,
    );
  }

  #tooLarge(what: string, instead: string): never {
    throw new StudioHttpError(
      422,
      `Filter too large: ${what} (the studio's limits: ${FILTER_LIMITS.depth} deep, ${FILTER_LIMITS.conditions} conditions, ${FILTER_LIMITS.values} values); ${instead}. It starts ${JSON.stringify(this.#text.slice(0, 80))}.`,
    );
  }
}
