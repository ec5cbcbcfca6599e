/** One generated token with its log-probability, as OpenAI-compatible providers report them. */
export interface TokenLogprob {
  token: string;
  logprob: number;
}

/**
 * The probability the model gave to the label it wrote: exp of the summed log-probabilities of the
 * tokens that spell the label, found as the value of `"label"` in a JSON answer or as the label's
 * text in a plain answer. Undefined when the provider sent no log-probabilities or the label
 * cannot be located in the tokens.
 *
 * @example
 * logprobConfidence([{ token: '{"label":"', logprob: 0 }, { token: "refund", logprob: -0.1 }, { token: '"}', logprob: 0 }], "refund")
 * // 0.905
 */
export function logprobConfidence(
  tokens: readonly TokenLogprob[] | undefined,
  label: string,
): number | undefined {
  if (!tokens || tokens.length === 0) return undefined;
  const text = tokens.map((t) => t.token).join("");
  const span = labelSpan(text, label);
  if (span === undefined) return undefined;
  let sum = 0;
  let offset = 0;
  for (const t of tokens) {
    const end = offset + t.token.length;
    if (end > span.start && offset < span.end) sum += t.logprob;
    offset = end;
  }
  return Math.min(1, Math.exp(sum));
}

function labelSpan(text: string, label: string): { start: number; end: number } | undefined {
  const encoded = JSON.stringify(label).slice(1, -1);
  const key = /"label"\s*:\s*"/.exec(text);
  if (key && text.startsWith(encoded, key.index + key[0].length)) {
    const start = key.index + key[0].length;
    return { start, end: start + encoded.length };
  }
  const start = text.indexOf(label);
  return start < 0 ? undefined : { start, end: start + label.length };
}

/** The token log-probabilities in a LangChain message's response metadata, if any. */
export function tokenLogprobsOf(message: {
  response_metadata?: Record<string, unknown>;
}): TokenLogprob[] | undefined {
  const logprobs = message.response_metadata?.logprobs as { content?: unknown } | undefined;
  const content = logprobs?.content;
  if (!Array.isArray(content)) return undefined;
  return content.filter(
    (t): t is TokenLogprob =>
      typeof t === "object" && t !== null && typeof t.token === "string" && typeof t.logprob === "number",
  );
}

/**
 * The majority label of several samples and the share of samples that agree with it; ties go to
 * the label seen first.
 *
 * @example
 * sampleAgreement(["refund", "refund", "billing"]) // { label: "refund", confidence: 0.667 }
 */
export function sampleAgreement(
  labels: readonly string[],
): { label: string; confidence: number } | undefined {
  if (labels.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best = labels[0] as string;
  for (const [label, n] of counts) if (n > (counts.get(best) ?? 0)) best = label;
  return { label: best, confidence: (counts.get(best) ?? 0) / labels.length };
}
