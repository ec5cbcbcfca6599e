import type { Step } from "../types.ts";
import type { ClassifyResult, ClassifyStepOptions } from "./step-kinds.ts";
import { textOf } from "./text-of.ts";

/**
 * A step that labels text with a trained classifier (see `trainClassifier`): returns the most
 * probable label with its calibrated probability and the `top` most probable labels. The model's
 * content hash goes into the chain's fingerprint.
 *
 * @example
 * classify("linear", { model: LinearTextClassifier.load("banking77.classifier"), threshold: 0.86 })
 */
export function classify(name: string, options: ClassifyStepOptions): Step<unknown, ClassifyResult> {
  const { model } = options;
  const field = options.field ?? "text";
  const top = options.top ?? 5;
  if (!Number.isInteger(top) || top < 0) {
    throw new TypeError(`classify step "${name}": top must be a non-negative integer, got ${top}`);
  }
  return {
    type: "step",
    name,
    kind: "classify",
    spec: { field, top, model: model.contentHash, labels: model.labels.length },
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    run(input) {
      const p = model.predict(textOf(input, field, name), { top });
      return { label: p.label, confidence: p.confidence, top: p.top };
    },
  };
}
