/**
 * Splits text into rough tokens the way BPE tokenizers tend to: runs of word characters or of
 * punctuation, each with the whitespace before it. It gives the test server something token-like
 * to attach log-probabilities and usage counts to.
 *
 * @example
 * splitTokens('{"label":"refund"}') // ['{"', 'label', '":"', 'refund', '"}']
 */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\w+|\s*[^\w\s]+|\s+/g) ?? [];
}
