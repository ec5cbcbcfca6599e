import type { AnyStep, JsonValue } from "../types.ts";
import { isFloatingModel } from "./model-id.ts";

/** An llm step that names a floating model alias instead of a pinned snapshot. */
export interface FloatingModel {
  step: string;
  model: string;
}

/**
 * The floating model aliases a chain's llm steps use (their models and fallbacks), read from the
 * steps' specs. `catena lock --check --strict` fails on any.
 *
 * @example
 * floatingModels(chain) // [{ step: "answer", model: "openai:gpt-4o" }]
 */
export function floatingModels(chain: { readonly steps: readonly AnyStep[] }): FloatingModel[] {
  const found: FloatingModel[] = [];
  for (const step of chain.steps) {
    if (step.kind !== "llm") continue;
    const spec = step.spec as { model?: JsonValue; fallbacks?: JsonValue } | null;
    const models = [spec?.model, ...(Array.isArray(spec?.fallbacks) ? spec.fallbacks : [])];
    for (const model of models) {
      const id = typeof model === "string" ? model : (model as { id?: unknown } | null | undefined)?.id;
      if (typeof id === "string" && isFloatingModel(id)) found.push({ step: step.name, model: id });
    }
  }
  return found;
}

const warned = new Set<string>();

/**
 * Warns once per process and model (a `CATENA_FLOATING_MODEL` process warning) that an llm step
 * names a floating alias, whose answers can change the day the provider repoints it.
 */
export function warnFloatingModel(step: string, model: string): void {
  if (!isFloatingModel(model) || warned.has(model)) return;
  warned.add(model);
  process.emitWarning(
    `llm step "${step}" uses the floating model alias "${model}": the provider can repoint it at a new snapshot and change the chain's answers under the same fingerprint. Pin a dated snapshot (e.g. "openai:gpt-4.1-mini-2025-04-14").`,
    { code: "CATENA_FLOATING_MODEL", detail: "`catena lock --check --strict` fails on floating aliases." },
  );
}
