import { CatenaError, type CatenaErrorOptions } from "./catena-error.ts";

/** One problem found in a value checked against a schema: where, and what is wrong. */
export interface SchemaIssue {
  path: string;
  message: string;
}

/** The chain definition is invalid (duplicate step names, bad semver, unreachable states, missing schemas). */
export class ChainDefinitionError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("CHAIN_DEFINITION", message, options);
  }
}

/** The input given to a run does not match the chain's input schema. */
export class InputValidationError extends CatenaError {
  readonly issues: SchemaIssue[];
  /** `subject` names what was checked when it is not the chain's input (e.g. a review decision). */
  constructor(chain: string, issues: SchemaIssue[], options: CatenaErrorOptions & { subject?: string } = {}) {
    const subject = options.subject ?? `the input schema of chain "${chain}"`;
    super(
      "INPUT_VALIDATION",
      `Input does not match ${subject}: ${formatIssues(issues)}. Fix the input (see \`catena describe ${chain}\`).`,
      { ...options, details: { chain, issues, ...options.details } },
    );
    this.issues = issues;
  }
}

/** The output a chain produced does not match its output schema: a bug in the chain, not in the input. */
export class OutputValidationError extends CatenaError {
  readonly issues: SchemaIssue[];
  constructor(chain: string, issues: SchemaIssue[], options: CatenaErrorOptions = {}) {
    super(
      "OUTPUT_VALIDATION",
      `Chain "${chain}" produced output that does not match its output schema: ${formatIssues(issues)}. The last step must return the declared output shape.`,
      { ...options, details: { chain, issues, ...options.details } },
    );
    this.issues = issues;
  }
}

/** A step threw or rejected; `step` names it and `cause` holds what it threw. */
export class StepError extends CatenaError {
  readonly step: string;
  readonly kind: string;
  constructor(step: string, kind: string, cause: unknown, options: CatenaErrorOptions = {}) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super("STEP_FAILED", `Step "${step}" (${kind}) failed: ${reason}`, {
      ...options,
      cause,
      details: { step, kind, ...options.details },
    });
    this.step = step;
    this.kind = kind;
  }
}

/** A step or a whole run took longer than its timeout. */
export class TimeoutError extends CatenaError {
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number, options: CatenaErrorOptions = {}) {
    super("TIMEOUT", `${what} timed out after ${timeoutMs} ms. Raise the timeout or make the step faster.`, {
      ...options,
      details: { timeoutMs, ...options.details },
    });
    this.timeoutMs = timeoutMs;
  }
}

/** The run was cancelled through its AbortSignal. */
export class AbortedError extends CatenaError {
  constructor(what: string, options: CatenaErrorOptions = {}) {
    super("ABORTED", `${what} was aborted.`, options);
  }
}

/** A chain or version asked for by name is not registered. */
export class ChainNotFoundError extends CatenaError {
  constructor(ref: string, known: string[], options: CatenaErrorOptions = {}) {
    const list = known.length > 0 ? known.join(", ") : "none";
    super("CHAIN_NOT_FOUND", `Unknown chain "${ref}". Known chains: ${list}.`, {
      ...options,
      details: { ref, known, ...options.details },
    });
  }
}

/** A persisted snapshot cannot be resumed (wrong chain, changed fingerprint, not waiting). */
export class InvalidSnapshotError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("INVALID_SNAPSHOT", message, options);
  }
}

/**
 * Audit sampling options that cannot work (a share outside (0, 1], an unknown pick, a timeout that
 * is not a positive number); `details.option` names the option, `details.value` what was given.
 */
export class AuditOptionsError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("INVALID_AUDIT_OPTIONS", message, options);
  }
}

/** Batch input could not be read or parsed; `details.line` names the line when there is one. */
export class BatchInputError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("BATCH_INPUT", message, options);
  }
}

/** A step needs a model provider and none is configured; the message says which variables to set. */
export class ProviderNotConfiguredError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("PROVIDER_NOT_CONFIGURED", message, options);
  }
}

function formatIssues(issues: SchemaIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
}

/** Turns a zod error (or anything with `issues`) into {@link SchemaIssue}s. */
export function schemaIssues(error: unknown): SchemaIssue[] {
  const issues = (error as { issues?: Array<{ path?: PropertyKey[]; message?: string }> } | undefined)
    ?.issues;
  if (!Array.isArray(issues)) return [{ path: "", message: String(error) }];
  return issues.map((i) => ({ path: (i.path ?? []).map(String).join("."), message: i.message ?? "invalid" }));
}
