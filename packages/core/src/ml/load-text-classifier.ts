import { ArtifactError } from "../errors/ml-errors.ts";
import { readArtifactFile } from "./artifact-file.ts";
import { LinearTextClassifier } from "./linear-text-classifier.ts";
import {
  NEURAL_CLASSIFIER_KIND,
  NEURAL_CLASSIFIER_VERSIONS,
  NeuralTextClassifier,
} from "./neural-text-classifier.ts";

/** A trained text classifier that can be saved as an artifact and loaded back with {@link loadTextClassifier}. */
export type SavedTextClassifier = LinearTextClassifier | NeuralTextClassifier;

/**
 * Loads whichever trained text classifier an artifact file holds (linear or neural), judging by
 * the kind written in its header; throws `ArtifactError` when the file is neither or is unusable.
 *
 * @example
 * const model = loadTextClassifier("artifacts/banking77.classifier");
 * model.predict("my card still has not arrived").label; // "card_arrival"
 */
export function loadTextClassifier(path: string): SavedTextClassifier {
  const artifact = readArtifactFile(path, {
    kind: [LinearTextClassifier.ARTIFACT_KIND, NEURAL_CLASSIFIER_KIND],
    versions: NEURAL_CLASSIFIER_VERSIONS,
  });
  // The header check accepts every version of either kind; linear classifiers only have version 1.
  if (artifact.kind !== NEURAL_CLASSIFIER_KIND && artifact.version !== 1) {
    throw new ArtifactError(
      `${path}: ${artifact.kind} format version ${artifact.version} is not supported (supported: 1); rebuild the artifact with this version of Catena.`,
      { details: { source: path, version: artifact.version, supported: [1] } },
    );
  }
  return artifact.kind === NEURAL_CLASSIFIER_KIND
    ? NeuralTextClassifier.fromArtifact(artifact)
    : LinearTextClassifier.fromArtifact(artifact);
}
