import type { DatabaseSync } from "node:sqlite";
import { AnnotationQueueStore } from "./annotation-queue-store.ts";
import { ChainDescriptionStore } from "./chain-description-store.ts";
import { ComparativeStore } from "./comparative-store.ts";
import { DatasetStore } from "./dataset-store.ts";
import { DatasetVersionStore } from "./dataset-version-store.ts";
import { ExampleStore } from "./example-store.ts";
import { FeedbackConfigStore } from "./feedback-config-store.ts";
import { FeedbackStore } from "./feedback-store.ts";
import { FeedbackTokenStore } from "./feedback-token-store.ts";
import { openStudioDatabase } from "./open-studio-database.ts";
import { ReviewStore } from "./review-store.ts";
import { RunStore } from "./run-store.ts";
import { SessionStore } from "./session-store.ts";
import { ShareStore } from "./share-store.ts";

/**
 * Everything the studio stores, over one SQLite database: runs, sessions, feedback, feedback tokens,
 * datasets and examples. The HTTP routes only talk to this.
 *
 * @example
 * const store = StudioStore.open("/tmp/studio.db");
 * store.transaction(() => store.runs.ingest(operations));
 */
export class StudioStore {
  readonly db: DatabaseSync;
  readonly path: string;
  readonly tenantId: string;
  /** The key presigned attachment URLs are signed with; made once per database, never sent. */
  readonly urlSigningKey: string;
  readonly sessions: SessionStore;
  readonly runs: RunStore;
  readonly feedback: FeedbackStore;
  readonly feedbackConfigs: FeedbackConfigStore;
  readonly feedbackTokens: FeedbackTokenStore;
  readonly datasets: DatasetStore;
  readonly examples: ExampleStore;
  /** Runs paused at a review, and their decisions. */
  readonly reviews: ReviewStore;
  /** Chain descriptions (graph, schemas) the web page shows, by fingerprint. */
  readonly chains: ChainDescriptionStore;

  readonly shares: ShareStore;
  readonly annotationQueues: AnnotationQueueStore;
  readonly comparativeExperiments: ComparativeStore;
  readonly datasetVersions: DatasetVersionStore;
  #depth = 0;

  private constructor(db: DatabaseSync, path: string) {
    this.db = db;
    this.path = path;
    const tenant = db.prepare("SELECT value FROM studio_meta WHERE key = 'tenant_id'").get();
    this.tenantId = String(tenant?.value);
    const signing = db.prepare("SELECT value FROM studio_meta WHERE key = 'url_signing_key'").get();
    this.urlSigningKey = String(signing?.value);
    this.sessions = new SessionStore(db, this.tenantId);
    this.runs = new RunStore(db, this.sessions);
    this.feedbackConfigs = new FeedbackConfigStore(db, this.tenantId);
    this.feedback = new FeedbackStore(db, this.feedbackConfigs);
    this.feedbackTokens = new FeedbackTokenStore(db);
    this.datasets = new DatasetStore(db, this.tenantId);
    this.examples = new ExampleStore(db, this.datasets, this.urlSigningKey);
    this.reviews = new ReviewStore(db);
    this.runs.onWritten = (run) => this.reviews.noteRun(run);
    this.chains = new ChainDescriptionStore(db);

    this.shares = new ShareStore(db);
    this.annotationQueues = new AnnotationQueueStore(db, this.tenantId);
    this.comparativeExperiments = new ComparativeStore(db, this.sessions, this.tenantId);
    this.datasetVersions = new DatasetVersionStore(db);
  }

  /** Opens (creating and migrating as needed) the database at `path`; `":memory:"` for a throw-away one. */
  static open(path: string): StudioStore {
    return new StudioStore(openStudioDatabase(path), path);
  }

  /** Runs `work` in one transaction (nested calls join the outer one); an exception rolls it back. */
  transaction<T>(work: () => T): T {
    if (this.#depth > 0) return work();
    this.db.exec("BEGIN IMMEDIATE");
    this.#depth++;
    try {
      const result = work();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    } finally {
      this.#depth--;
    }
  }

  /** Closes the database; the store cannot be used afterwards. */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
