import type { CatenaError } from "../errors/catena-error.ts";

/** An input that could not even be read (e.g. a malformed JSONL line); it is recorded as failed. */
export class UnreadableItem {
  readonly error: CatenaError;
  constructor(error: CatenaError) {
    this.error = error;
  }
}
