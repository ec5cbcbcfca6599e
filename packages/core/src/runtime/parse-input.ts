import type { AnyChain } from "../compile/chain.ts";
import { InputValidationError, schemaIssues } from "../errors/errors.ts";

/**
 * The chain's input parsed by its schema. A schema whose refinement or transform throws is user
 * code failing on this input: the run fails with INPUT_VALIDATION (a batch goes on), not a rejection.
 */
export function parseInput(
  chain: AnyChain,
  input: unknown,
): { success: true; data: unknown } | { success: false; error: InputValidationError } {
  try {
    const parsed = chain.input.safeParse(input);
    if (parsed.success) return parsed;
    return { success: false, error: new InputValidationError(chain.name, schemaIssues(parsed.error)) };
  } catch (error) {
    const message = `the schema threw ${error instanceof Error ? `"${error.message}"` : String(error)}`;
    return {
      success: false,
      error: new InputValidationError(chain.name, [{ path: "", message }], { cause: error }),
    };
  }
}
