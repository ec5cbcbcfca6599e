/**
 * The fix an error's first line proposes: Catena's messages name the wrong input, then the fix,
 * as their last sentence (`... received undefined. Make the prompt state ...`) or after the last
 * `: ` (`rule 2 has no label: give each rule a label`). The error's name and code (`StepError
 * [STEP_FAILED]: `) and a failed step's `Step "x" (kind) failed: ` are no such separator: what
 * follows them is what was thrown, which names a fix only if it has a `: ` of its own. A trace
 * cuts long messages in the middle (` … (N characters left out) … `): only what follows the cut is
 * whole, so the fix is looked for there, and is none when the cut runs into it.
 */
export function errorFix(error: string): string | undefined {
  const line = (error.split("\n")[0] ?? error)
    .replace(/^\w*Error(?: \[[A-Z0-9_]+\])?: /, "")
    .replace(/^Step "[^"]*" \([^)]*\) failed: /, "");
  const cut = / … \(\d+ characters left out\) … /.exec(line);
  // Before the cut and just after it are pieces of sentences: only a sentence starting after them is whole.
  const body = cut === null ? line : line.slice(cut.index + cut[0].length);
  let sentence = -1;
  for (const boundary of body.matchAll(/[.!?] (?=[A-Z`])/g)) sentence = boundary.index + 2;
  if (sentence > 0) return body.slice(sentence);
  if (cut !== null) return undefined;
  const colon = body.lastIndexOf(": ");
  return colon > 0 ? body.slice(colon + 2) : undefined;
}
