import { CatenaError, type CatenaErrorOptions } from "../errors/catena-error.ts";

/** Feedback that cannot be recorded as given (no key, a score that is not a number, ...); the message says how to fix it. */
export class FeedbackInvalidError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("FEEDBACK_INVALID", message, options);
  }
}
