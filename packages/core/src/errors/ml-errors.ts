import { CatenaError, type CatenaErrorOptions } from "./catena-error.ts";

/** Where one bad example is: its 1-based line in the source file when known, else its position. */
export interface DatasetProblem {
  /** 1-based line in the file (header = line 1), when the examples came from a file. */
  line?: number;
  /** 0-based position in the list of examples. */
  index: number;
  label?: string;
  text?: string;
}

/**
 * Training or evaluation data is unusable: empty, a missing column, a class with too few examples,
 * labels outside the allowed set. `details.problems` lists the offending rows with their lines.
 */
export class DatasetError extends CatenaError {
  readonly problems: DatasetProblem[];
  constructor(message: string, options: CatenaErrorOptions & { problems?: DatasetProblem[] } = {}) {
    const problems = options.problems ?? [];
    super("DATASET_INVALID", message, {
      ...options,
      details: { ...(problems.length > 0 ? { problems } : {}), ...options.details },
    });
    this.problems = problems;
  }
}

/** A saved artifact (index, classifier, embedder) is unreadable, of another kind or version, or corrupt. */
export class ArtifactError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("ARTIFACT_INVALID", message, options);
  }
}

/**
 * A chain version that a trainable chain did not make (a hand-written module, another factory), so
 * the trainer cannot rebuild it without its LLM tier or train a candidate from it.
 * `details.chain` is the version's id.
 */
export class VersionNotTrainableError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("VERSION_NOT_TRAINABLE", message, options);
  }
}

/**
 * A trainer defined with `defineTextCascadeTrainer` is malformed: an option of the wrong shape (no
 * labels, a split file that is no path), or a `chain` callback that defines another chain than the
 * trainer's, another version than asked, or keeps its LLM tier in the version without it.
 * `details` names the trainer and the option.
 */
export class TrainerDefinitionError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("TRAINER_INVALID", message, options);
  }
}
