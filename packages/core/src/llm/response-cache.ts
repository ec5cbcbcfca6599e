import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A model answer as the cache keeps it: enough to rebuild the message a step reads. */
export interface CachedResponse {
  /** The model that answered. */
  model: string;
  content: unknown;
  toolCalls: Array<{ name: string; args: Record<string, unknown>; id?: string }>;
  /** Token log-probabilities, when the provider sent them. */
  logprobs?: unknown;
  usage?: { inputTokens: number; outputTokens: number };
}

/** Where llm steps look answers up before calling a model, and store them after. */
export interface ResponseCache {
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): Promise<void>;
}

interface CacheFile {
  format: "catena.llm-response.v1";
  key: string;
  storedAt: string;
  response: CachedResponse;
}

/**
 * A response cache on disk: one JSON file per answer under `directory`, named by the request's
 * hash (model, parameters, messages), so that it can be inspected, committed with eval data, or
 * deleted file by file. Writes go through a temporary file and a rename, so concurrent runs never
 * read half a file.
 *
 * @example
 * setDefaultResponseCache(new DiskResponseCache(".catena/llm-cache"));
 */
export class DiskResponseCache implements ResponseCache {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    try {
      const file = JSON.parse(await readFile(this.pathOf(key), "utf8")) as CacheFile;
      return file.format === "catena.llm-response.v1" && file.key === key ? file.response : undefined;
    } catch {
      // A missing or unreadable entry is a miss: the model is asked again and the entry rewritten.
      return undefined;
    }
  }

  async set(key: string, response: CachedResponse): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(join(this.directory, key.slice(0, 2)), { recursive: true });
    const file: CacheFile = {
      format: "catena.llm-response.v1",
      key,
      storedAt: new Date().toISOString(),
      response,
    };
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`);
    await rename(temporary, path);
  }

  private pathOf(key: string): string {
    return join(this.directory, key.slice(0, 2), `${key}.json`);
  }
}

let defaultCache: ResponseCache | undefined = process.env.CATENA_LLM_CACHE_DIR
  ? new DiskResponseCache(process.env.CATENA_LLM_CACHE_DIR)
  : undefined;

/**
 * Sets the cache used by llm steps that do not choose their own (`cache` option); `undefined`
 * turns caching off, the default unless `CATENA_LLM_CACHE_DIR` is set. Evals turn it on so that
 * repeated experiments do not pay for the same answers twice.
 *
 * @example
 * setDefaultResponseCache(new DiskResponseCache("evals/.llm-cache"));
 */
export function setDefaultResponseCache(cache: ResponseCache | undefined): void {
  defaultCache = cache;
}

/** The cache llm steps use by default, if any. */
export function defaultResponseCache(): ResponseCache | undefined {
  return defaultCache;
}
