import type { JsonValue, LabelResult, Step } from "../types.ts";
import { textOf } from "./text-of.ts";

/** A labelling rule: when `pattern` matches, the answer is `label` with `confidence`. */
export interface RegexRule<TLabel extends string = string> {
  label: TLabel;
  pattern: RegExp | string;
  /** Flags used when `pattern` is a string (default `"i"`). */
  flags?: string;
  /** Higher wins when several rules match; equal priorities keep list order. */
  priority?: number;
  /** Confidence reported on a match (default 1: only write rules that are near-certain). */
  confidence?: number;
}

/** Where a labelling rule matched. */
export interface RegexMatch {
  text: string;
  index: number;
  rule: number;
}

/** What a labelling regex step returns: a label or a clean no-match (`label: null`, confidence 0). */
export interface RegexLabelResult<TLabel extends string = string> extends LabelResult<TLabel> {
  match: RegexMatch | null;
}

/** Options of a labelling regex step. */
export interface RegexRulesOptions<TLabel extends string> {
  rules: readonly RegexRule<TLabel>[];
  /** Field of the input that holds the text, when the input is an object (default `"text"`). */
  field?: string;
  threshold?: number;
  timeoutMs?: number;
}

/** Output of an extraction regex step: named groups, each a string or, with `all`, every distinct match. */
export type ExtractedFields<TAll extends boolean> = Record<
  string,
  TAll extends true ? string[] : string | undefined
>;

/** Options of an extracting regex step. */
export interface RegexExtractOptions<TAll extends boolean, TOutput> {
  /** Patterns whose named capture groups become output fields. */
  extract: RegExp | readonly RegExp[];
  /** Collect every distinct match of each group into an array instead of the first. */
  all?: TAll;
  /** Validates and coerces the extracted fields into typed ones (e.g. `z.coerce.number()`). */
  schema?: { parse(value: unknown): TOutput };
  field?: string;
  timeoutMs?: number;
}

interface CompiledRule {
  label: string;
  re: RegExp;
  priority: number;
  confidence: number;
  index: number;
}

/**
 * A regex step: labels the text with prioritised rules, or extracts named capture groups into fields.
 *
 * @example
 * regex("refund", { rules: [{ label: "refund", pattern: /\brefund\b/i }] })
 * regex("ids", { extract: /order\s+#?(?<orderId>\d{6})/gi, all: true })
 */
export function regex<TLabel extends string>(
  name: string,
  options: RegexRulesOptions<TLabel>,
): Step<unknown, RegexLabelResult<TLabel>>;
export function regex<TAll extends boolean = false, TOutput = ExtractedFields<TAll>>(
  name: string,
  options: RegexExtractOptions<TAll, TOutput>,
): Step<unknown, TOutput>;
export function regex(
  name: string,
  options: RegexRulesOptions<string> | RegexExtractOptions<boolean, unknown>,
): Step<unknown, unknown> {
  const field = options.field ?? "text";
  const timing = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  if ("rules" in options) {
    const rules = compileRules(name, options.rules);
    return {
      type: "step",
      name,
      kind: "regex",
      spec: {
        mode: "rules",
        field,
        rules: rules.map(
          (r): JsonValue => ({
            label: r.label,
            source: r.re.source,
            flags: r.re.flags,
            priority: r.priority,
            confidence: r.confidence,
          }),
        ),
      },
      ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
      ...timing,
      run(input) {
        return labelText(textOf(input, field, name), rules);
      },
    };
  }
  const patterns = (Array.isArray(options.extract) ? options.extract : [options.extract]) as RegExp[];
  const all = options.all === true;
  const groups = patterns.flatMap((p) => groupNames(p));
  if (groups.length === 0) {
    throw new TypeError(
      `regex step "${name}": extract patterns need named capture groups, e.g. /(?<orderId>\\d+)/`,
    );
  }
  const compiled = patterns.map((p) => new RegExp(p.source, p.flags.includes("g") ? p.flags : `${p.flags}g`));
  const schema = options.schema;
  return {
    type: "step",
    name,
    kind: "regex",
    spec: {
      mode: "extract",
      field,
      all,
      patterns: compiled.map((r) => ({ source: r.source, flags: r.flags })),
    },
    ...timing,
    run(input) {
      const fields = extractFields(textOf(input, field, name), compiled, groups, all);
      return schema ? schema.parse(fields) : fields;
    },
  };
}

function compileRules(step: string, rules: readonly RegexRule[]): CompiledRule[] {
  if (rules.length === 0) throw new TypeError(`regex step "${step}" has no rules; give at least one`);
  const compiled = rules.map((rule, index) => {
    const source = typeof rule.pattern === "string" ? rule.pattern : rule.pattern.source;
    // Rules are tested once per input, so a global or sticky flag would only carry lastIndex over.
    const flags = (typeof rule.pattern === "string" ? (rule.flags ?? "i") : rule.pattern.flags).replace(
      /[gy]/g,
      "",
    );
    const confidence = rule.confidence ?? 1;
    if (!(confidence >= 0 && confidence <= 1)) {
      throw new TypeError(
        `regex step "${step}", rule ${index} (${rule.label}): confidence must be in [0, 1]`,
      );
    }
    return {
      label: rule.label,
      re: new RegExp(source, flags),
      priority: rule.priority ?? 0,
      confidence,
      index,
    };
  });
  return compiled.sort((a, b) => b.priority - a.priority || a.index - b.index);
}

function labelText(text: string, rules: readonly CompiledRule[]): RegexLabelResult {
  for (const rule of rules) {
    const m = rule.re.exec(text);
    if (m)
      return {
        label: rule.label,
        confidence: rule.confidence,
        match: { text: m[0], index: m.index, rule: rule.index },
      };
  }
  return { label: null, confidence: 0, match: null };
}

function groupNames(re: RegExp): string[] {
  const names: string[] = [];
  for (const m of re.source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)) if (m[1]) names.push(m[1]);
  return names;
}

function extractFields(
  text: string,
  patterns: readonly RegExp[],
  groups: readonly string[],
  all: boolean,
): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const g of groups) out[g] = all ? [] : undefined;
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      if (!m.groups) continue;
      for (const [key, value] of Object.entries(m.groups)) {
        if (value === undefined) continue;
        const slot = out[key];
        if (Array.isArray(slot)) {
          if (!slot.includes(value)) slot.push(value);
        } else if (slot === undefined) {
          out[key] = value;
        }
      }
    }
  }
  return out;
}
