import { readArtifactFile } from "./artifact-file.ts";
import { LinearTextClassifier } from "./linear-text-classifier.ts";
import { NEURAL_CLASSIFIER_KIND, NeuralTextClassifier } from "./neural-text-classifier.ts";

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
    versions: [1],
  });
  return artifact.kind === NEURAL_CLASSIFIER_KIND
    ? NeuralTextClassifier.fromArtifact(artifact)
    : LinearTextClassifier.fromArtifact(artifact);
}
