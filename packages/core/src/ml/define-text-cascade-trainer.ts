/*
 * A user's text cascade (rules → classifier → kNN → LLM over their own labels and data) as a
 * `TrainableChain`, so that `catena train`, `catena train --from-traces` and `catena calibrate` work
 * on it as on the built-in banking-intents chain: the same training of the two learned tiers
 * (`trainTextTiers`), the same artifacts folder (`saveTextTiers`), the same thresholds file. The
 * user writes only the chain, over the tiers this gives them.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { NEVER_ACCEPT } from "../calibrate/threshold-text.ts";
import { readAllThresholds } from "../calibrate/thresholds-file.ts";
import type { AnyChain } from "../compile/chain.ts";
import { ArtifactError, TrainerDefinitionError, VersionNotTrainableError } from "../errors/ml-errors.ts";
import { cascadeTierNames, flowNodes } from "../flows/children.ts";
import type { Embedder, TextClassifier, VectorSearch } from "../steps/step-kinds.ts";
import type { CascadeNode } from "../types.ts";
import { IMPORT_META_URL_TEXT as META_URL } from "./import-meta-url-text.ts";
import type { LabelledExample } from "./labelled-example.ts";
import { LazyTextTiers } from "./lazy-text-tiers.ts";
import { readLabelledFile } from "./read-labelled-file.ts";
import { trainTextTiers } from "./text-tiers.ts";
import {
  readTextTiersManifest,
  saveTextTiers,
  type TextTiersFolderKind,
  textTierPath,
  textTiersFiles,
} from "./text-tiers-folder.ts";
import type { TrainableChain } from "./trainable-chain.ts";

/** The learned tiers and thresholds a cascade is defined over, as `defineTextCascadeTrainer`'s `chain` gets them. */
export interface TextCascadeTiers<L extends string = string> {
  /** The trainer's label set. */
  readonly labels: readonly L[];
  /** The trained classifier, for `classify(name, { model: tiers.classifier })`; loaded on first use. */
  readonly classifier: TextClassifier;
  /** The embedder of the kNN index, for `knn(name, { index: tiers.index, embedder: tiers.embedder })`. */
  readonly embedder: Embedder;
  /** The kNN index of the training texts. */
  readonly index: VectorSearch;
  /**
   * The calibrated threshold of the cascade tier named `tier` (its step's name), from the folder's
   * thresholds.json; `NEVER_ACCEPT` when the folder has none for it yet (trained, not calibrated),
   * so that an uncalibrated tier never answers. A name that is no tier of the chain's cascade (a
   * typo, a renamed step) makes defining the chain fail with `TRAINER_INVALID`.
   */
  threshold(tier: string): number;
  /**
   * The LLM tier(s) to end the cascade with: `steps` as given, or none in the version without its
   * LLM tier (what the CLI measures the cheap tiers with, calling no model). Spread it last into the
   * cascade's tiers: `cascade("label", [..., ...tiers.llm(llm("llm", {...}))])`.
   */
  llm<S>(...steps: S[]): S[];
}

/** What `defineTextCascadeTrainer`'s `chain` is asked for. */
export interface TextCascadeVersion {
  /** The version the chain must declare: the trainer's own, or a candidate's (`1.0.1`). */
  readonly version: string;
  /** The artifacts folder the tiers come from. */
  readonly artifactsDir: string;
  /** True for the version without its LLM tier ({@link TextCascadeTiers.llm} gives none). */
  readonly withoutLlm: boolean;
}

/** Options of {@link defineTextCascadeTrainer}. */
export interface TextCascadeTrainerOptions<L extends string, C extends AnyChain> {
  /** The chain's name, as `catena train <name>` takes it; the chain `chain` defines must have it. */
  name: string;
  /** The label set: training and dev data may use no other label (at least two). */
  labels: readonly [L, L, ...L[]];
  /**
   * `import.meta.url` of the module that exports the trainer: the candidate versions the CLI writes
   * (`chain.mjs`) import it to define the chain over their own artifacts. Relative paths of the
   * other options are resolved against its folder.
   */
  module: string | URL;
  /** Where the trained tiers and thresholds live by default (a path or a file URL). */
  artifactsDir: string | URL;
  /**
   * The chain's fixed split, as labelled files (CSV with `text` and `label` columns, `.tsv`, or JSON
   * lines): the examples its tiers are trained on, and the dev examples its thresholds are chosen on.
   */
  split: { train: string | URL; dev: string | URL };
  /** The version the chain over {@link artifactsDir} declares (default `1.0.0`). */
  version?: string;
  /** Header of the label column of the data files (default `label`). */
  labelColumn?: string;
  /** Seed of the classifier's training (default 1). */
  seed?: number;
  /** Cost of one item answered by the LLM tier, when known: calibration reports the saving with it. */
  llmCostPerItemUsd?: number;
  /**
   * Defines the chain over `tiers`, declaring `version.version`, and ending its cascade with
   * `...tiers.llm(step)`. Called for the current version, for each candidate, and for the version
   * without its LLM tier.
   */
  chain: (tiers: TextCascadeTiers<L>, version: TextCascadeVersion) => C;
}

/** A trainable chain made by {@link defineTextCascadeTrainer}: its `chainFor` gives the user's chain type. */
export interface TextCascadeTrainer<C extends AnyChain = AnyChain> extends TrainableChain {
  /**
   * The chain over the artifacts of `artifactsDir` (default: the trainer's; that one is made once),
   * declaring `version` (default: the trainer's). Export `trainer.chainFor()` as your chain: the
   * CLI measures and retrains only the versions a trainer made.
   */
  chainFor(artifactsDir?: string, options?: { version?: string }): C;
}

/** Where a path option points: a file URL, an absolute path, or a path relative to the module's folder. */
function pathOf(value: string | URL, base: string, option: string, name: string): string {
  if (value instanceof URL) return fileURLToPath(value);
  if (typeof value !== "string" || value === "") {
    throw new TrainerDefinitionError(
      `trainer "${name}": ${option} must be a path or a file URL, got ${String(value)}.`,
      {
        details: { trainer: name, option },
      },
    );
  }
  if (value.startsWith("file:")) return fileURLToPath(value);
  return isAbsolute(value) ? value : resolve(base, value);
}

/** True for what {@link pathOf} takes: a file URL, or a non-empty path. */
function isPathOption(value: unknown): boolean {
  return value instanceof URL || (typeof value === "string" && value !== "");
}

/** Checks the options a trainer cannot work without, naming the option and the fix. */
function checkOptions(options: TextCascadeTrainerOptions<string, AnyChain>): string {
  const name = typeof options.name === "string" ? options.name : "";
  const fail = (option: string, message: string): never => {
    throw new TrainerDefinitionError(`trainer "${name}": ${message}`, { details: { trainer: name, option } });
  };
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name))
    fail("name", `name must be a chain name like "tickets", got ${JSON.stringify(options.name)}.`);
  const labels = options.labels as unknown;
  if (!Array.isArray(labels) || labels.length < 2 || !labels.every((l) => typeof l === "string" && l !== ""))
    fail("labels", "labels must list at least two non-empty labels.");
  const dupes = (labels as string[]).filter((l, i, all) => all.indexOf(l) !== i);
  if (dupes.length > 0)
    fail("labels", `labels lists ${dupes.map((l) => JSON.stringify(l)).join(", ")} twice.`);
  if (typeof options.chain !== "function")
    fail("chain", "chain must be a function (tiers, { version }) => defineChain(...).");
  if (!isPathOption(options.artifactsDir))
    fail(
      "artifactsDir",
      `artifactsDir must be the folder of the trained tiers, a path or a file URL (\`artifactsDir: "./artifacts/${name}"\`), got ${describe(options.artifactsDir)}.`,
    );
  const split = options.split as unknown as Record<string, unknown> | undefined;
  if (typeof split !== "object" || split === null || split.train === undefined || split.dev === undefined)
    fail("split", 'split must name the train and dev files: { train: "train.csv", dev: "dev.csv" }.');
  for (const part of ["train", "dev"] as const) {
    const value = (split as Record<string, unknown>)[part];
    if (!isPathOption(value))
      fail(`split.${part}`, `split.${part} must be a path or a file URL, got ${describe(value)}.`);
  }
  const module = options.module as unknown;
  const moduleUrl =
    module instanceof URL
      ? module.href
      : typeof module === "string" && module.startsWith("file:")
        ? module
        : typeof module === "string" && isAbsolute(module)
          ? pathToFileURL(module).href
          : undefined;
  if (moduleUrl === undefined)
    fail("module", `module must be the module's own ${META_URL} (the candidates the CLI writes import it).`);
  return moduleUrl as string;
}

/** A wrong option's value as a message shows it. */
function describe(value: unknown): string {
  return value === undefined
    ? "nothing"
    : typeof value === "string"
      ? JSON.stringify(value)
      : `${typeof value} ${String(value)}`;
}

/**
 * Makes a user's text cascade trainable from the CLI: `catena train <name> --chains <module>`
 * trains its classifier and kNN tiers on labelled data with the shipped trainers and writes a
 * candidate version, `catena calibrate` chooses its thresholds, and `catena train --from-traces`
 * learns from its traced LLM answers and people's corrections. Export the trainer and
 * `trainer.chainFor()` from a chains module (the one `--chains` or `catena.config.json` loads).
 * A folder with no trained tiers yet gives a chain whose cheap tiers never answer (and whose
 * classifier and kNN steps fail, naming the command that trains them).
 *
 * @example
 * export const ticketsTrainer = defineTextCascadeTrainer({
 *   name: "tickets",
 *   labels: ["billing", "bug", "other"],
 *   module: import.meta.url,
 *   artifactsDir: "./artifacts/tickets",
 *   split: { train: "./data/train.csv", dev: "./data/dev.csv" },
 *   chain: (tiers, { version }) =>
 *     defineChain({
 *       name: "tickets", version, input, output,
 *       flow: cascade("label", [
 *         { step: classify("classifier", { model: tiers.classifier }), threshold: tiers.threshold("classifier") },
 *         { step: knn("neighbours", { index: tiers.index, embedder: tiers.embedder }), threshold: tiers.threshold("neighbours") },
 *         ...tiers.llm(llm("llm", { model: "openai:gpt-4.1-mini", prompt, labels: ["billing", "bug", "other"] })),
 *       ], { onExhausted: "deferred" }),
 *     }),
 * });
 * export const tickets = ticketsTrainer.chainFor();
 */
export function defineTextCascadeTrainer<const L extends string, C extends AnyChain>(
  options: TextCascadeTrainerOptions<L, C>,
): TextCascadeTrainer<C> {
  const moduleUrl = checkOptions(options as unknown as TextCascadeTrainerOptions<string, AnyChain>);
  const { name, labels } = options;
  const base = dirname(fileURLToPath(moduleUrl));
  const artifactsDir = pathOf(options.artifactsDir, base, "artifactsDir", name);
  const splitFiles = {
    train: pathOf(options.split.train, base, "split.train", name),
    dev: pathOf(options.split.dev, base, "split.dev", name),
  };
  const defaultVersion = options.version ?? "1.0.0";
  const kind: TextTiersFolderKind = {
    format: `catena.text-cascade.v1:${name}`,
    rebuild: `\`catena train ${name} --chains <module> --data <csv> --out ${artifactsDir}\``,
  };
  const readData = (path: string): LabelledExample[] =>
    readLabelledFile(path, { labels, labelColumn: options.labelColumn ?? "label" });
  /** The versions this trainer made: their folder and version, to rebuild them without the LLM tier. */
  const made = new WeakMap<AnyChain, { dir: string; version: string }>();
  let current: C | undefined;

  const define = (dir: string, version: string, withoutLlm: boolean): C => {
    const asked = new Set<string>();
    const chain = options.chain(tiersOver(dir, labels, kind, withoutLlm, asked), {
      version,
      artifactsDir: dir,
      withoutLlm,
    });
    if (chain?.name !== name || chain.version !== version) {
      throw new TrainerDefinitionError(
        `trainer "${name}": its chain callback defined ${chain?.id ?? String(chain)}, not ${name}@${version}; define the chain with name "${name}" and the version it is given (\`(tiers, { version }) => defineChain({ name: "${name}", version, ... })\`).`,
        { details: { trainer: name, option: "chain", defined: chain?.id ?? null } },
      );
    }
    if (withoutLlm && hasLlmTier(chain)) {
      throw new TrainerDefinitionError(
        `trainer "${name}": its chain keeps an LLM tier in the version without it; end the cascade with \`...tiers.llm(llmStep)\` instead of the step itself.`,
        { details: { trainer: name, option: "chain" } },
      );
    }
    // A misspelt or renamed tier would otherwise get NEVER_ACCEPT for good, silently.
    const tierNames = cascadeTierNames(chain.flow);
    const unknown = [...asked].filter((tier) => !tierNames.includes(tier));
    if (unknown.length > 0) {
      throw new TrainerDefinitionError(
        `trainer "${name}": its chain asks tiers.threshold(${unknown.map((t) => JSON.stringify(t)).join(", ")}) for no tier of its cascade (tiers: ${tierNames.join(", ") || "none"}); give each tier's step name.`,
        { details: { trainer: name, option: "chain", unknownTiers: unknown, tiers: tierNames } },
      );
    }
    made.set(chain, { dir, version });
    return chain;
  };

  const trainer: TextCascadeTrainer<C> = {
    name,
    labels,
    artifactsDir,
    readData,
    split: () => ({ train: readData(splitFiles.train), dev: readData(splitFiles.dev) }),
    async train(train, { dev, outDir, onProgress }) {
      const { tiers, report } = await trainTextTiers(train, {
        labels,
        dev,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(onProgress ? { onProgress } : {}),
      });
      saveTextTiers(outDir, tiers, kind.format);
      return { report, files: textTiersFiles(outDir) };
    },
    chainFor(dir, chainOptions = {}) {
      const folder = dir ?? artifactsDir;
      const version = chainOptions.version ?? defaultVersion;
      // Only the trainer's own chain is made once: an explicit folder or version asks for a chain
      // over the folder as it is now (the CLI's after-training calibration relies on that).
      if (dir !== undefined || chainOptions.version !== undefined) return define(folder, version, false);
      current ??= define(folder, version, false);
      return current;
    },
    withoutLlm(chain) {
      const of = made.get(chain);
      if (of === undefined) {
        throw new VersionNotTrainableError(
          `${chain.id} was not made by the trainer "${name}", so its cheap tiers cannot be measured apart from its LLM tier. Export \`${name}Trainer.chainFor()\` (the trainer's own chain) as the chain, not one defined apart.`,
          { details: { chain: chain.id, trainer: name } },
        );
      }
      return define(of.dir, of.version, true);
    },
    chainModule: (dir, version) => candidateModuleText(name, moduleUrl, dir, version),
    thresholdsPath: (dir) => textTierPath(dir ?? artifactsDir, "thresholds"),
    llmCostPerItemUsd: () => options.llmCostPerItemUsd,
  };
  return trainer;
}

/** The tiers of a folder: lazily loaded models, or stand-ins that fail naming the fix when it has none yet. */
function tiersOver<L extends string>(
  dir: string,
  labels: readonly L[],
  kind: TextTiersFolderKind,
  withoutLlm: boolean,
  asked: Set<string>,
): TextCascadeTiers<L> {
  const trained = existsSync(textTierPath(dir, "manifest"));
  const manifest = trained ? readTextTiersManifest(dir, kind) : undefined;
  if (manifest !== undefined && manifest.classifier.labels !== labels.length) {
    throw new ArtifactError(
      `The classifier in ${dir} was trained on ${manifest.classifier.labels} labels, but the trainer lists ${labels.length}; retrain it with ${kind.rebuild}.`,
      { details: { dir, trainedLabels: manifest.classifier.labels, labels: labels.length } },
    );
  }
  const thresholdsFile = textTierPath(dir, "thresholds");
  const thresholds: Record<string, number> =
    trained && existsSync(thresholdsFile) ? readAllThresholds(thresholdsFile) : {};
  const models = manifest
    ? new LazyTextTiers(dir, manifest, { labels, kind })
    : untrainedTiers(dir, labels, kind);
  return {
    labels,
    classifier: models.classifier,
    embedder: models.embedder,
    index: models.index,
    threshold: (tier) => {
      asked.add(tier);
      return thresholds[tier] ?? NEVER_ACCEPT;
    },
    llm: (...steps) => (withoutLlm ? [] : steps),
  };
}

/**
 * Stand-ins for a folder with no trained tiers yet: the chain can be defined and listed (and
 * `catena train` can load it to train its first version), but a step that uses them fails.
 */
function untrainedTiers(
  dir: string,
  labels: readonly string[],
  kind: TextTiersFolderKind,
): Pick<LazyTextTiers, "classifier" | "embedder" | "index"> {
  const fail = (): never => {
    throw new ArtifactError(`No trained tiers in ${dir}; train them with ${kind.rebuild}.`, {
      details: { dir },
    });
  };
  return {
    classifier: { contentHash: "untrained", labels, predict: fail },
    embedder: {
      id: "untrained",
      dimension: 1,
      embedQuery: async () => fail(),
      embedDocuments: async () => fail(),
    },
    index: { contentHash: "untrained", dimension: 1, search: fail },
  };
}

/** True when a chain's first cascade has an `llm` step among its tiers. */
function hasLlmTier(chain: AnyChain): boolean {
  for (const node of flowNodes(chain.flow)) {
    if (node.type === "cascade") return (node as CascadeNode).tiers.some((t) => t.step.kind === "llm");
  }
  return false;
}

/**
 * The text of a candidate version's `chain.mjs`: it imports the module that exports the trainer
 * (the CLI cannot write the user's steps itself) and defines the chain over the artifacts beside it
 * (it reads its own location, so the folder can move).
 */
function candidateModuleText(name: string, moduleUrl: string, candidateDir: string, version: string): string {
  const source = relativeSpecifier(candidateDir, fileURLToPath(moduleUrl)) ?? moduleUrl;
  return [
    `// A candidate version of ${name} written by \`catena train\` or \`catena calibrate\`: the chain its`,
    "// trainer defines over the artifacts in this folder. Load it with --chains, or list it in catena.config.json.",
    'import { fileURLToPath } from "node:url";',
    `import * as source from ${JSON.stringify(source)};`,
    "",
    "const trainer = Object.values(source)",
    "  .flat()",
    `  .find((t) => typeof t === "object" && t !== null && t.name === ${JSON.stringify(name)} && ["chainFor", "withoutLlm", "chainModule"].every((m) => typeof t[m] === "function"));`,
    "if (trainer === undefined) {",
    `  throw new Error(${JSON.stringify(`${source} (from this candidate's folder) exports no trainer named "${name}" any more; export it again, or remove this candidate.`)});`,
    "}",
    `export const candidate = trainer.chainFor(fileURLToPath(new URL(".", ${META_URL})), {`,
    `  version: ${JSON.stringify(version)},`,
    "});",
    "",
  ].join("\n");
}

/**
 * The import specifier of `file` from the folder `fromDir` (`../../chains.ts`), so that a project
 * cloned or moved with its candidates still loads them; undefined when no relative path joins them
 * (another drive). Resolved by Node to the same URL as the module's own, so it is one instance.
 */
function relativeSpecifier(fromDir: string, file: string): string | undefined {
  const path = relative(fromDir, file);
  if (isAbsolute(path)) return undefined;
  const specifier = path.split(sep).map(encodeURIComponent).join("/");
  return specifier.startsWith("../") ? specifier : `./${specifier}`;
}
