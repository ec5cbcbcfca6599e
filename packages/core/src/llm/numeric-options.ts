import { ChainDefinitionError } from "../errors/errors.ts";
import type { LlmStepOptions } from "./llm-step-options.ts";
import { MAX_TIMER_MS } from "./max-timer-ms.ts";
import type { RateLimits } from "./provider-rate-limiter.ts";
import type { RetryPolicy } from "./retry-policy.ts";

/** What a numeric option must be, and an example of a right value. */
interface NumberRule {
  /** Says what the value must be, after "must be". */
  expected: string;
  ok: (value: number) => boolean;
  example: string;
}

const wholeMs = (min: number, example: string): NumberRule => ({
  expected: `a whole number of milliseconds from ${min} to ${MAX_TIMER_MS}`,
  ok: (v) => Number.isInteger(v) && v >= min && v <= MAX_TIMER_MS,
  example,
});
// A bound only compared, never a timer's delay (the sleep it allows is capped at MAX_TIMER_MS):
// Infinity says "no bound".
const wholeMsOrNone = (example: string): NumberRule => ({
  expected: `a whole number of milliseconds >= 0, or Infinity for no bound`,
  ok: (v) => v === Number.POSITIVE_INFINITY || (Number.isSafeInteger(v) && v >= 0),
  example,
});
const whole = (min: number, example: string): NumberRule => ({
  expected: `a whole number >= ${min}`,
  ok: (v) => Number.isSafeInteger(v) && v >= min,
  example,
});
const positive = (example: string): NumberRule => ({
  expected: "a finite number > 0",
  ok: (v) => Number.isFinite(v) && v > 0,
  example,
});

const STEP_RULES: Readonly<Record<string, NumberRule>> = {
  // A timer's delay: Node fires one past 2^31 - 1 ms at once, so that is the longest, said in the message.
  callTimeoutMs: wholeMs(
    1,
    "30_000 (30 s), leave it out for 60 s, or 2_147_483_647 (24.8 days, the longest a timer waits) for no limit in practice",
  ),
  timeoutMs: wholeMs(1, "120_000 (2 min), or leave it out for no step timeout"),
  // -1 is "no limit" to @langchain/openai (it sends no max_tokens).
  maxTokens: {
    expected: "a whole number >= 1, or -1 for no limit",
    ok: (v) => v === -1 || (Number.isSafeInteger(v) && v >= 1),
    example: "1024, or leave it out (or -1) for the model's own limit",
  },
  repairs: whole(0, "1, or 0 for no repair"),
  samples: whole(1, "5, or leave it out for 1"),
  seed: {
    expected: "a whole number",
    ok: (v) => Number.isSafeInteger(v),
    example: "42",
  },
  temperature: {
    expected: "a finite number >= 0",
    ok: (v) => Number.isFinite(v) && v >= 0,
    example: "0, or leave it out for the model's default",
  },
};

const RETRY_RULES: Readonly<Record<keyof Omit<RetryPolicy, "jitter">, NumberRule>> = {
  attempts: whole(1, "3, or 1 for no retry"),
  initialMs: wholeMs(0, "500"),
  factor: {
    expected: "a finite number >= 1",
    ok: (v) => Number.isFinite(v) && v >= 1,
    example: "2, or 1 for a constant delay",
  },
  maxMs: wholeMsOrNone("20_000"),
  maxRetryAfterMs: wholeMsOrNone("60_000, or Infinity to wait as long as the provider asks"),
};

const RATE_RULES: Readonly<Record<keyof RateLimits, NumberRule>> = {
  requestsPerMinute: positive("500, or leave it out for no request limit"),
  tokensPerMinute: positive("200_000, or leave it out for no token limit"),
  burstSeconds: positive("0.5"),
};

/**
 * Refuses, when an llm step is defined, a numeric option that would otherwise misbehave at run
 * time: a `callTimeoutMs` of 0 or NaN aborts every call at once (and one past 2^31 - 1 ms fires
 * after 1 ms), `retry.attempts: 0` never calls the model, a negative `maxTokens` (but -1, "no
 * limit") is refused by the provider on every item. Checked: `callTimeoutMs`, `timeoutMs`, `maxTokens`, `repairs`,
 * `samples`, `seed`, `temperature`, each field of `retry` (see {@link checkRetryNumbers}) and of
 * `rateLimit`. Throws a `CHAIN_DEFINITION` error naming the step, the option, the value and a
 * right one (`details`: `step`, `option`, `value`, `expected`).
 *
 * @example
 * checkLlmStepNumbers("ask", { callTimeoutMs: 0 })
 * // throws CHAIN_DEFINITION: llm step "ask": `callTimeoutMs` must be a whole number of milliseconds from 1 to 2147483647, got 0; ...
 */
export function checkLlmStepNumbers(step: string, options: Partial<LlmStepOptions>): void {
  const owner = { name: `llm step "${step}"`, details: { step } };
  const record = options as Record<string, unknown>;
  for (const [option, rule] of Object.entries(STEP_RULES)) check(owner, option, record[option], rule);
  checkRetryNumbers(owner, options.retry);
  checkRateNumbers(owner, options.rateLimit);
}

/** What the options belong to: its name in messages (`llm step "ask"`) and its fields in `details`. */
export interface OptionOwner {
  name: string;
  details: Readonly<Record<string, unknown>>;
}

/**
 * Refuses a retry policy's field that is not a number in its range: `attempts` a whole number
 * >= 1, `initialMs` whole milliseconds >= 0, `maxMs` and `maxRetryAfterMs` the same or Infinity
 * (no bound; a wait is still capped at the longest a timer takes), `factor` >= 1, `jitter` a boolean.
 */
export function checkRetryNumbers(owner: OptionOwner, retry: Partial<RetryPolicy> | undefined): void {
  if (retry === undefined) return;
  const record = retry as Record<string, unknown>;
  for (const [option, rule] of Object.entries(RETRY_RULES))
    check(owner, `retry.${option}`, record[option], rule);
  if (record.jitter !== undefined && typeof record.jitter !== "boolean") {
    throw optionError(owner, "retry.jitter", record.jitter, "true or false", "false");
  }
}

/** Refuses a rate limit whose fields are not finite numbers > 0. */
export function checkRateNumbers(owner: OptionOwner, rate: RateLimits | undefined): void {
  if (rate === undefined) return;
  const record = rate as Record<string, unknown>;
  for (const [option, rule] of Object.entries(RATE_RULES))
    check(owner, `rateLimit.${option}`, record[option], rule);
}

/** Refuses a per-call timeout that is not a whole number of milliseconds a timer can wait. */
export function checkCallTimeout(owner: OptionOwner, value: unknown): void {
  check(owner, "callTimeoutMs", value, STEP_RULES.callTimeoutMs as NumberRule);
}

function check(owner: OptionOwner, option: string, value: unknown, rule: NumberRule): void {
  if (value === undefined) return;
  if (typeof value === "number" && rule.ok(value)) return;
  throw optionError(owner, option, value, rule.expected, rule.example);
}

function optionError(
  owner: OptionOwner,
  option: string,
  value: unknown,
  expected: string,
  example: string,
): ChainDefinitionError {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  return new ChainDefinitionError(
    `${owner.name}: \`${option}\` must be ${expected}, got ${shown}${typeof value === "string" ? " (a string)" : ""}; e.g. ${option}: ${example}.`,
    {
      details: {
        ...owner.details,
        option,
        // NaN and Infinity have no JSON: said as words in a results file.
        value: typeof value === "number" && !Number.isFinite(value) ? String(value) : value,
        expected,
      },
    },
  );
}
