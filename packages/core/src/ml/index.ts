/*
 * Public API of @catena/core/ml: the cheap tiers' machinery (the local embedder, vector index,
 * linear classifier, training, datasets, artifacts) and threshold calibration. None of it loads
 * LangChain, so a `knn` or `classify` step built on it keeps the engine entry's start-up time.
 */

export type {
  CalibrateOptions,
  CalibrationItem,
  CalibrationResult,
  CalibrationWarning,
  TierCalibration,
} from "../calibrate/calibrate.ts";
export { calibrate, itemsNeededFor, NEVER_ACCEPT } from "../calibrate/calibrate.ts";
export type { ThresholdsFile } from "../calibrate/thresholds-file.ts";
export { readAllThresholds, readThresholds, writeThresholds } from "../calibrate/thresholds-file.ts";
export type { DatasetProblem } from "../errors/ml-errors.ts";
export {
  ArtifactError,
  DatasetError,
  TrainerDefinitionError,
  VersionNotTrainableError,
} from "../errors/ml-errors.ts";
export type {
  AuditDisagreement,
  AuditedPrecision,
  AuditReport,
  AuditReportRun,
} from "../monitor/audit-report.ts";
export { auditReport } from "../monitor/audit-report.ts";
export type {
  Agreement,
  ShadowDisagreement,
  ShadowReport,
  ShadowReportRun,
} from "../monitor/shadow-report.ts";
export { shadowReport } from "../monitor/shadow-report.ts";
export type {
  BaselineItem,
  FormatShift,
  LabelMix,
  NewCluster,
  RecentItem,
  SkewOptions,
  SkewReport,
} from "../monitor/skew-report.ts";
export { skewReport } from "../monitor/skew-report.ts";
export type { StratifiedSampleOptions } from "../monitor/stratified-sample.ts";
export { dailySeed, stratifiedSample } from "../monitor/stratified-sample.ts";
export type { TestResult } from "../monitor/two-sample-tests.ts";
export {
  binomialTail,
  chiSquareTest,
  ksTest,
  populationStabilityIndex,
} from "../monitor/two-sample-tests.ts";
export type { ArtifactContents, LoadedArtifact, SectionArray } from "./artifact-file.ts";
export {
  artifactHash,
  encodeArtifact,
  readArtifactFile,
  writeArtifactFile,
} from "./artifact-file.ts";
export { ArtifactTextClassifier } from "./artifact-text-classifier.ts";
export type { ClassificationReport, ClassScores, Confusion } from "./classification-report.ts";
export { evaluateLabels } from "./classification-report.ts";
export type { ConflictingLabels } from "./conflicting-labels.ts";
export { conflictingLabels, conflictingLabelsWarning } from "./conflicting-labels.ts";
export type {
  TextCascadeTiers,
  TextCascadeTrainer,
  TextCascadeTrainerOptions,
  TextCascadeVersion,
} from "./define-text-cascade-trainer.ts";
export { defineTextCascadeTrainer } from "./define-text-cascade-trainer.ts";
export { IMPORT_META_URL_TEXT } from "./import-meta-url-text.ts";
export type { CheckExamplesOptions, LabelledExample } from "./labelled-example.ts";
export { checkExamples } from "./labelled-example.ts";
export type { LazyTextTiersOptions } from "./lazy-text-tiers.ts";
export { LazyTextTiers } from "./lazy-text-tiers.ts";
export { LinearTextClassifier } from "./linear-text-classifier.ts";
export type { SavedTextClassifier } from "./load-text-classifier.ts";
export { loadTextClassifier } from "./load-text-classifier.ts";
export type { LocalEmbedderOptions } from "./local-embedder.ts";
export { LocalEmbedder } from "./local-embedder.ts";
export type { HiddenMemory, NeighbourSearch, NeighbourVoting } from "./neural-forward.ts";
export type { HiddenNeighbours } from "./neural-text-classifier.ts";
export {
  NEURAL_CLASSIFIER_KIND,
  NEURAL_CLASSIFIER_VERSIONS,
  NeuralTextClassifier,
} from "./neural-text-classifier.ts";
export type { NgramOptions } from "./ngram-hasher.ts";
export type { ParallelSearchOptions } from "./parallel-search.ts";
export { ParallelSearch } from "./parallel-search.ts";
export type { ReadLabelledCsvOptions } from "./read-labelled-csv.ts";
export { readLabelledCsv } from "./read-labelled-csv.ts";
export { isJsonLines, readLabelledFile } from "./read-labelled-file.ts";
export { readLabelledJsonl } from "./read-labelled-jsonl.ts";
export { seededRandom } from "./seeded-random.ts";
export type { SplitOptions } from "./split-dataset.ts";
export { splitDataset } from "./split-dataset.ts";
export type { TextTiers, TrainTextTiersOptions } from "./text-tiers.ts";
export { trainTextTiers } from "./text-tiers.ts";
export type { TextTiersFolderKind, TextTiersManifest } from "./text-tiers-folder.ts";
export {
  hasTextTiers,
  loadTextTiers,
  readTextTiersManifest,
  removeTextTiers,
  saveTextTiers,
  textTierPath,
  textTiersFiles,
} from "./text-tiers-folder.ts";
export type { TfidfOptions } from "./tfidf-featuriser.ts";
export type { TrainClassifierOptions, TrainingProgress, TrainingReport } from "./train-classifier.ts";
export { trainClassifier } from "./train-classifier.ts";
export type { TrainNeuralClassifierOptions } from "./train-neural-classifier.ts";
export { trainNeuralClassifier } from "./train-neural-classifier.ts";
export type { TrainableChain, TrainProgress } from "./trainable-chain.ts";
export type { IndexedVector, SearchOptions, VectorIndexOptions } from "./vector-index.ts";
export { VectorIndex } from "./vector-index.ts";
