/** One example where both a judge and a person gave a verdict. */
export interface AlignmentPair {
  id: string;
  /** The judge's verdict: pass (true) or fail (false); null when the judge gave none. */
  judge: boolean | null;
  human: boolean;
  /** The judge's reason, shown for disagreements. */
  comment?: string;
}

/** Confusion counts with the human label as truth: positive = pass. */
export interface AlignmentConfusion {
  truePositive: number;
  falsePositive: number;
  trueNegative: number;
  falseNegative: number;
}

/** How well a judge agrees with people. */
export interface AlignmentReport {
  /** Pairs with both verdicts (pairs where the judge failed to answer are left out and counted). */
  n: number;
  judgeFailures: number;
  /** Cohen's kappa: agreement beyond chance, 1 = perfect, 0 = chance. */
  kappa: number;
  /** Raw share of agreement. */
  agreement: number;
  /** Of the examples people passed, the share the judge passed; null when people passed none. */
  tpr: number | null;
  /** Of the examples people failed, the share the judge failed; null when people failed none. */
  tnr: number | null;
  confusion: AlignmentConfusion;
  disagreements: AlignmentPair[];
}

/**
 * Measures a judge against human labels: Cohen's kappa, raw agreement, TPR/TNR (the human label as
 * truth), the confusion matrix and the examples where the two disagree.
 *
 * @example
 * alignmentReport([{ id: "1", judge: true, human: true }, { id: "2", judge: true, human: false }]).kappa // 0
 */
export function alignmentReport(pairs: readonly AlignmentPair[]): AlignmentReport {
  const c: AlignmentConfusion = { truePositive: 0, falsePositive: 0, trueNegative: 0, falseNegative: 0 };
  const disagreements: AlignmentPair[] = [];
  let judgeFailures = 0;
  for (const p of pairs) {
    if (p.judge === null) {
      judgeFailures++;
      continue;
    }
    if (p.judge && p.human) c.truePositive++;
    else if (p.judge && !p.human) c.falsePositive++;
    else if (!p.judge && !p.human) c.trueNegative++;
    else c.falseNegative++;
    if (p.judge !== p.human) disagreements.push(p);
  }
  const n = c.truePositive + c.falsePositive + c.trueNegative + c.falseNegative;
  return {
    n,
    judgeFailures,
    kappa: cohenKappa(c),
    agreement: n === 0 ? 0 : (c.truePositive + c.trueNegative) / n,
    tpr: ratio(c.truePositive, c.truePositive + c.falseNegative),
    tnr: ratio(c.trueNegative, c.trueNegative + c.falsePositive),
    confusion: c,
    disagreements,
  };
}

/**
 * Cohen's kappa of a 2×2 confusion: (observed agreement − chance agreement) / (1 − chance agreement).
 * When chance agreement is 1 (both always say the same single verdict) it is 1 if they agree, else 0.
 */
export function cohenKappa(c: AlignmentConfusion): number {
  const n = c.truePositive + c.falsePositive + c.trueNegative + c.falseNegative;
  if (n === 0) return 0;
  const observed = (c.truePositive + c.trueNegative) / n;
  const judgePass = (c.truePositive + c.falsePositive) / n;
  const humanPass = (c.truePositive + c.falseNegative) / n;
  const chance = judgePass * humanPass + (1 - judgePass) * (1 - humanPass);
  if (chance >= 1) return observed === 1 ? 1 : 0;
  return (observed - chance) / (1 - chance);
}

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}
