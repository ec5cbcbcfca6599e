import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Where an embedder looks vectors up before asking its provider, and stores them after. */
export interface EmbeddingCache {
  get(key: string): Promise<number[] | undefined>;
  set(key: string, vector: number[]): Promise<void>;
}

interface CacheFile {
  format: "catena.embedding.v1";
  key: string;
  vector: number[];
}

/**
 * An embedding cache on disk, like the llm response cache: one JSON file per text under
 * `directory`, named by the hash of the embedder's id and the text, so that it can be committed
 * with eval data or deleted file by file. Writes go through a temporary file and a rename, so
 * concurrent processes never read half a file; a missing or unreadable entry is a miss.
 *
 * @example
 * openAiEmbedder({ model: "text-embedding-3-small", cache: new DiskEmbeddingCache(".catena/embeddings") })
 */
export class DiskEmbeddingCache implements EmbeddingCache {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  async get(key: string): Promise<number[] | undefined> {
    try {
      const file = JSON.parse(await readFile(this.pathOf(key), "utf8")) as CacheFile;
      return file.format === "catena.embedding.v1" && file.key === key && Array.isArray(file.vector)
        ? file.vector
        : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, vector: number[]): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(join(this.directory, key.slice(0, 2)), { recursive: true });
    const file: CacheFile = { format: "catena.embedding.v1", key, vector };
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, `${JSON.stringify(file)}\n`);
    await rename(temporary, path);
  }

  private pathOf(key: string): string {
    return join(this.directory, key.slice(0, 2), `${key}.json`);
  }
}
