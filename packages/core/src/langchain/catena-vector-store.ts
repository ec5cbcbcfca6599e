import { Document, type DocumentInterface } from "@langchain/core/documents";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { VectorStore } from "@langchain/core/vectorstores";
import { VectorIndex, type VectorIndexOptions } from "../ml/vector-index.ts";
import type { JsonValue } from "../types.ts";

/** Options of a {@link CatenaVectorStore}: an existing index, or how to create one on the first add. */
export interface CatenaVectorStoreOptions {
  index?: VectorIndex;
  precision?: VectorIndexOptions["precision"];
}

/** Filter of {@link CatenaVectorStore} searches: a predicate on each candidate document. */
export type CatenaVectorStoreFilter = (document: DocumentInterface) => boolean;

/**
 * Catena's {@link VectorIndex} as a LangChain `VectorStore`, so LangChain code can use it as a
 * retriever (`store.asRetriever()`). A document's `metadata.label` (when a string) becomes the
 * vector's label, so that the same index serves a `knn` step.
 *
 * @example
 * const store = await CatenaVectorStore.fromTexts(texts, metadatas, LocalEmbedder.fit(texts));
 * const docs = await store.asRetriever(4).invoke("my card has not arrived");
 */
export class CatenaVectorStore extends VectorStore {
  declare FilterType: CatenaVectorStoreFilter;
  #index: VectorIndex | undefined;
  readonly #precision: "float32" | "int8";
  #next = 0;

  constructor(embeddings: EmbeddingsInterface, options: CatenaVectorStoreOptions = {}) {
    super(embeddings, options);
    this.#index = options.index;
    this.#precision = options.precision ?? "float32";
  }

  /** The underlying index (created on the first add when none was given). */
  get index(): VectorIndex {
    if (!this.#index) {
      throw new Error(
        "CatenaVectorStore: the index is created by the first addDocuments/addVectors call; add documents first",
      );
    }
    return this.#index;
  }

  _vectorstoreType(): string {
    return "catena";
  }

  /** Adds documents with precomputed vectors; returns their ids (`options.ids`, `document.id` or generated). */
  async addVectors(
    vectors: number[][],
    documents: DocumentInterface[],
    options: { ids?: string[] } = {},
  ): Promise<string[]> {
    if (vectors.length !== documents.length) {
      throw new RangeError(`CatenaVectorStore: ${vectors.length} vectors for ${documents.length} documents`);
    }
    if (vectors.length === 0) return [];
    this.#index ??= new VectorIndex({
      dimension: (vectors[0] as number[]).length,
      precision: this.#precision,
    });
    const index = this.#index;
    const ids = documents.map((d, i) => options.ids?.[i] ?? d.id ?? this.#freshId());
    index.add(
      documents.map((d, i) => ({
        id: ids[i] as string,
        vector: vectors[i] as number[],
        label: typeof d.metadata.label === "string" ? d.metadata.label : null,
        metadata: { pageContent: d.pageContent, metadata: d.metadata as Record<string, JsonValue> },
      })),
    );
    return ids;
  }

  /** Embeds the documents' text with the store's embeddings and adds them. */
  async addDocuments(documents: DocumentInterface[], options: { ids?: string[] } = {}): Promise<string[]> {
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  /** The k documents most similar to a vector, with their cosine similarity. */
  async similaritySearchVectorWithScore(
    query: number[],
    k: number,
    filter?: CatenaVectorStoreFilter,
  ): Promise<[DocumentInterface, number][]> {
    if (!this.#index) return [];
    const hits = this.#index.search(
      query,
      k,
      filter ? { filter: (entry) => filter(toDocument(entry.id, entry.metadata)) } : {},
    );
    return hits.map((h) => [toDocument(h.id, h.metadata as Record<string, JsonValue> | undefined), h.score]);
  }

  /** Deletes documents by id. */
  override async delete(params: { ids?: string[] } = {}): Promise<void> {
    if (this.#index && params.ids) this.#index.remove(params.ids);
  }

  /** A store over texts, each with its metadata (or one metadata object for all). */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface,
    options: CatenaVectorStoreOptions = {},
  ): Promise<CatenaVectorStore> {
    const docs = texts.map(
      (pageContent, i) =>
        new Document({
          pageContent,
          metadata: (Array.isArray(metadatas) ? metadatas[i] : metadatas) ?? {},
        }),
    );
    return CatenaVectorStore.fromDocuments(docs, embeddings, options);
  }

  /** A store over documents. */
  static override async fromDocuments(
    docs: DocumentInterface[],
    embeddings: EmbeddingsInterface,
    options: CatenaVectorStoreOptions = {},
  ): Promise<CatenaVectorStore> {
    const store = new CatenaVectorStore(embeddings, options);
    await store.addDocuments(docs);
    return store;
  }

  #freshId(): string {
    while (this.#index?.has(`doc-${this.#next}`)) this.#next++;
    return `doc-${this.#next++}`;
  }
}

function toDocument(id: string, stored: Record<string, JsonValue> | undefined): DocumentInterface {
  const pageContent = typeof stored?.pageContent === "string" ? stored.pageContent : "";
  const metadata = (stored?.metadata ?? {}) as Record<string, unknown>;
  return new Document({ id, pageContent, metadata });
}
