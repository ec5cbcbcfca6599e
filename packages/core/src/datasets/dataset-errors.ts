import { CatenaError, type CatenaErrorOptions } from "../errors/catena-error.ts";

/**
 * No dataset of this name on the backend (LangSmith or the studio), and no file at that path
 * either; `details.name` is what was asked for and `details.url` where Catena looked.
 */
export class DatasetNotFoundError extends CatenaError<"DATASET_NOT_FOUND"> {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("DATASET_NOT_FOUND", message, options);
  }
}
