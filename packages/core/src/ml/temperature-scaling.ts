import { softmaxInPlace } from "./softmax-regression.ts";

/**
 * Fits the temperature T that minimises the negative log-likelihood of held-out examples under
 * softmax(logits / T) (Guo et al., 2017): one parameter, so it cannot overfit a small split and it
 * never changes which label wins, only how confident the model says it is. Golden-section search on
 * log T over [1/20, 20].
 *
 * @example
 * const T = fitTemperature(devLogits, devLabels, 77); // e.g. 0.42: the raw model was under-confident
 */
export function fitTemperature(logits: readonly Float64Array[], labels: Int32Array, classes: number): number {
  if (logits.length === 0) return 1;
  const scratch = new Float64Array(classes);
  const nll = (logT: number): number => {
    const T = Math.exp(logT);
    let sum = 0;
    for (let i = 0; i < logits.length; i++) {
      scratch.set((logits[i] as Float64Array).subarray(0, classes));
      softmaxInPlace(scratch, classes, T);
      sum -= Math.log(Math.max(1e-12, scratch[labels[i] as number] as number));
    }
    return sum / logits.length;
  };
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(1 / 20);
  let b = Math.log(20);
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = nll(c);
  let fd = nll(d);
  for (let i = 0; i < 60 && b - a > 1e-4; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = nll(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = nll(d);
    }
  }
  return Math.exp((a + b) / 2);
}
