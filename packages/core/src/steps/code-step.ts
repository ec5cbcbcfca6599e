import type { JsonValue, Step, StepContext } from "../types.ts";
import { functionSource, readFunction, type SourceFunction } from "../versioning/function-source.ts";
import { freeIdentifiers } from "./free-identifiers.ts";

/** Options of a code step. */
export interface CodeStepOptions {
  /**
   * Values the function depends on that its source text does not show (captured constants,
   * tables): they go into the fingerprint so that changing them changes the chain's fingerprint.
   * An object's keys name what they stand for: `spec: { maxRows }` declares that the function
   * reads `maxRows`, and the step is not warned about it.
   */
  spec?: JsonValue;
  /**
   * Helper functions (and classes) the step calls: their source goes into the fingerprint too,
   * and their names count as declared.
   */
  deps?: readonly SourceFunction[];
  timeoutMs?: number;
}

/**
 * A step that runs a TypeScript function; its source is part of the chain's fingerprint. The
 * function sees its input and the step context; whatever else it reads from outside (module
 * constants, helpers, captured variables) the fingerprint only covers when it is declared in
 * `deps` (functions) or `spec` (values, under their own names). Reading an undeclared one gives a
 * `CATENA_UNDECLARED_READS` process warning when the step's source is first read: when the chain's
 * fingerprint is computed (`catena lock`, `describe`, `--json` results, traces, checkpoints, tests),
 * not on every start of a program that only runs the chain.
 *
 * @example
 * code("normalize", ({ text }: { text: string }) => ({ text: text.trim().toLowerCase() }))
 * code("cap", (d: Rows) => d.rows.slice(0, maxRows), { spec: { maxRows } })
 */
export function code<TInput, TOutput>(
  name: string,
  fn: (input: TInput, ctx: StepContext) => TOutput | Promise<TOutput>,
  options: CodeStepOptions = {},
): Step<TInput, Awaited<TOutput>> {
  // Parsing the source is the costly part of defining a chain, and only the fingerprint needs it:
  // it happens on the first read of `spec` (a fingerprint, `catena lock`, `describe`, a trace).
  let spec: { [key: string]: JsonValue } | undefined;
  return {
    type: "step",
    name,
    kind: "code",
    get spec() {
      spec ??= codeSpec(name, fn, options);
      return spec;
    },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    run: fn as (input: TInput, ctx: StepContext) => Awaited<TOutput> | Promise<Awaited<TOutput>>,
  };
}

/** The step's spec: its normalised source, `spec` and `deps`; warns about undeclared reads on the way. */
function codeSpec(name: string, fn: SourceFunction, options: CodeStepOptions): { [key: string]: JsonValue } {
  const syntax = readFunction(fn);
  const spec: { [key: string]: JsonValue } = { source: syntax.source };
  if (options.spec !== undefined) spec.spec = options.spec;
  if (options.deps !== undefined) spec.deps = options.deps.map(functionSource);
  if (syntax.tree !== undefined)
    warnUndeclaredReads(name, syntax.source, freeIdentifiers(syntax.tree), options);
  return spec;
}

const warned = new Set<string>();

/**
 * Warns, once per process and function, that a code step reads names from outside its function
 * that neither `deps` nor `spec` declares: editing them would change what the step does without
 * changing the chain's fingerprint, so `catena lock --check` and resumed runs would not notice.
 */
function warnUndeclaredReads(
  step: string,
  source: string,
  reads: readonly string[],
  options: CodeStepOptions,
): void {
  if (reads.length === 0) return;
  const declared = new Set<string>();
  for (const dep of options.deps ?? []) if (dep.name !== "") declared.add(dep.name);
  const spec = options.spec;
  if (typeof spec === "object" && spec !== null && !Array.isArray(spec)) {
    for (const key of Object.keys(spec)) declared.add(key);
  }
  const undeclared = reads.filter((r) => !declared.has(r));
  if (undeclared.length === 0) return;
  const key = `${source}\u0000${undeclared.join(",")}`;
  if (warned.has(key)) return;
  warned.add(key);
  const list = undeclared.join(", ");
  const them = undeclared.length === 1 ? "it" : "them";
  const first = undeclared[0] as string;
  process.emitWarning(
    `code step "${step}" reads ${list} from outside its function; the chain's fingerprint does not cover ${them}, so editing ${them} would change what the step does under the same fingerprint. Declare ${them}: a helper function or class in \`deps\` (deps: [${first}]), a value under its own name in \`spec\` (spec: { ${first}: … }, as JSON).`,
    {
      code: "CATENA_UNDECLARED_READS",
      detail: "A dep's function name or a spec key declares a name; what it holds goes into the fingerprint.",
    },
  );
}
