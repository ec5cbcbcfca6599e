import {
  type FeedbackConfig,
  type FeedbackObject,
  feedback,
  feedbackStats,
  readFeedbackConfig,
  setFeedbackConfig,
} from "@catena/core/tracing";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { jsonText } from "../format/json-text.ts";
import { globalOptions } from "../global-options.ts";
import { feedbackStatsText } from "../tracing/feedback-stats-text.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { explainRunNotFound, resolveRunId } from "../tracing/resolve-run-id.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";

interface GiveOptions {
  key?: string;
  score?: string;
  value?: string;
  comment?: string;
  correction?: string;
}

interface ConfigOptions {
  continuous?: string;
  categories?: string;
  freeform?: boolean;
}

interface StatsOptions {
  key?: string;
  chain?: string;
  by?: string;
  per?: string;
  since?: string;
  project?: string;
}

/**
 * Registers `catena feedback <runId> --key K [--score N] [--value V] [--comment C] [--correction JSON]`
 * (feedback on a traced run, checked against its key's config), `catena feedback stats --chain X
 * --key K [--by version|model] [--per day|week]` (counts and mean scores per period and group) and
 * `catena feedback config <key> [--continuous MIN..MAX | --categories V=LABEL,... | --freeform]`.
 */
export function registerFeedbackCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command("feedback")
    .description("give feedback on a traced run, or (feedback stats) count it per period and version/model")
    .argument("<runId>", "the run id, or its last 8 characters as catena traces shows them")
    .option("--key <key>", "what is judged: correctness, rating, thumbs, ...")
    .option("--score <n>", "numeric score (e.g. 0/1, 1-5), or true/false")
    .option("--value <v>", "a non-numeric value (a label); JSON is parsed")
    .option("--comment <text>", "free-text comment")
    .option("--correction <json>", 'the right output as a JSON object, e.g. \'{"queue":"billing"}\'')
    .action(async (runId: string, options: GiveOptions, cmd: Command) => {
      const globals = globalOptions(cmd);
      const fields = feedbackFields(options);
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const reader = await openTraceReader();
      try {
        // The short id `catena traces` shows works here as it does for `catena trace`.
        const id = await resolveRunId(reader, runId, traceProjects(registry));
        const record = await feedback(id, fields, { client: reader.client }).catch((error: unknown) => {
          throw explainRunNotFound(error, id, reader);
        });
        if (globals.json) ctx.io.out(jsonText(record));
        else ctx.io.out(`Feedback "${record.key}" recorded on run ${record.runId} in ${reader.where}.\n`);
      } finally {
        await reader.close();
      }
    });
  command
    .command("stats")
    .description(
      "count feedback of one key on a chain's runs, with its mean score per period and version or model",
    )
    .option("--chain <name>", "the chain whose runs are counted (required)")
    .option("--key <key>", "the feedback key, e.g. rating (required)")
    .option("--by <version|model>", "split by chain version or by the model that answered")
    .option("--per <day|week>", "count per day or per week (Monday-based, UTC)")
    .option("--since <span|date>", "only runs started since: 30d, 2w, or a date")
    .option(
      "--project <name>",
      "trace project (default: the chain's project, else LANGSMITH_PROJECT or default)",
    )
    .action(async (_options: StatsOptions, cmd: Command) => {
      const globals = globalOptions(cmd);
      // `--key` is also an option of `feedback` itself, which parses it first: read both levels.
      const options = cmd.optsWithGlobals<StatsOptions>();
      if (options.chain === undefined) throw new CliError("feedback stats needs --chain <name>.");
      if (options.key === undefined)
        throw new CliError("feedback stats needs --key <key> (e.g. --key rating).");
      if (options.by !== undefined && options.by !== "version" && options.by !== "model") {
        throw new CliError(`--by must be version or model (got "${options.by}").`);
      }
      if (options.per !== undefined && options.per !== "day" && options.per !== "week") {
        throw new CliError(`--per must be day or week (got "${options.per}").`);
      }
      const since = options.since === undefined ? undefined : parseSince(options.since);
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      // An unknown chain is refused as `catena run` refuses it, rather than counted as 0 runs.
      registry.get(options.chain);
      const projects = traceProjects(registry, options.chain, options.project);
      const reader = await openTraceReader();
      try {
        const stats = await feedbackStats({
          client: reader.client,
          chain: options.chain,
          key: options.key,
          project: projects,
          ...(options.by === undefined ? {} : { by: options.by }),
          ...(options.per === undefined ? {} : { per: options.per }),
          ...(since === undefined ? {} : { since }),
        });
        ctx.io.out(globals.json ? jsonText(stats) : feedbackStatsText(stats, options.by, options.per));
      } finally {
        await reader.close();
      }
    });
  command
    .command("config")
    .description(
      "show or set what feedback of a key may hold (rating is 1-5 unless set); feedback that does not fit is refused",
    )
    .argument("<key>", "the feedback key, e.g. rating")
    .option("--continuous <min..max>", "a score between MIN and MAX, e.g. 1..5 (either end may be left open)")
    .option("--categories <v=label,...>", "a score among these values, e.g. 1=right,0=wrong")
    .option("--freeform", "a value or comment, no score")
    .action(async (key: string, options: ConfigOptions, cmd: Command) => {
      const globals = globalOptions(cmd);
      const config = configFromOptions(options);
      const reader = await openTraceReader();
      try {
        if (config !== undefined) await setFeedbackConfig(key, config, { client: reader.client });
        const current = config ?? (await readFeedbackConfig(key, { client: reader.client }));
        ctx.io.out(globals.json ? jsonText({ key, config: current ?? null }) : configText(key, current));
      } finally {
        await reader.close();
      }
    });
}

function configText(key: string, config: FeedbackConfig | undefined): string {
  if (config === undefined) return `${key}: no config (any score or value is accepted)\n`;
  if (config.type === "freeform") return `${key}: freeform (a value or a comment, no score)\n`;
  if (config.type === "continuous") {
    return `${key}: continuous ${config.min ?? "-∞"} to ${config.max ?? "+∞"}\n`;
  }
  const categories = config.categories.map((c) =>
    c.label === undefined ? `${c.value}` : `${c.value} (${c.label})`,
  );
  return `${key}: categorical ${categories.join(", ")}\n`;
}

/** The config `feedback config` was asked to set, or `undefined` to show the current one. */
function configFromOptions(options: ConfigOptions): FeedbackConfig | undefined {
  const given = [options.continuous, options.categories, options.freeform].filter((o) => o !== undefined);
  if (given.length > 1) {
    throw new CliError("feedback config takes one of --continuous, --categories, --freeform.");
  }
  if (options.freeform === true) return { type: "freeform" };
  if (options.continuous !== undefined) {
    const match = /^\s*(-?[\d.]+)?\s*\.\.\s*(-?[\d.]+)?\s*$/.exec(options.continuous);
    const min = match?.[1] === undefined ? undefined : Number(match[1]);
    const max = match?.[2] === undefined ? undefined : Number(match[2]);
    if (
      match === null ||
      (min !== undefined && !Number.isFinite(min)) ||
      (max !== undefined && !Number.isFinite(max))
    ) {
      throw new CliError(`--continuous takes MIN..MAX, e.g. 1..5 or 0.. (got "${options.continuous}").`);
    }
    return {
      type: "continuous",
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
    };
  }
  if (options.categories !== undefined) {
    const categories = options.categories.split(",").map((item) => {
      const [value, ...label] = item.split("=");
      const number = Number(value);
      if (value === undefined || value.trim() === "" || !Number.isFinite(number)) {
        throw new CliError(
          `--categories takes VALUE=LABEL pairs, e.g. 1=right,0=wrong (got "${item}"): every category needs a numeric value.`,
        );
      }
      return label.length === 0 ? { value: number } : { value: number, label: label.join("=").trim() };
    });
    return { type: "categorical", categories };
  }
  return undefined;
}

function feedbackFields(options: GiveOptions): Parameters<typeof feedback>[1] {
  if (options.key === undefined || options.key.trim() === "") {
    throw new CliError(
      "feedback needs --key <key>, e.g. --key correctness --score 0 (or feedback stats ...).",
    );
  }
  const fields: Parameters<typeof feedback>[1] = { key: options.key.trim() };
  if (options.score !== undefined) fields.score = parseScore(options.score);
  if (options.value !== undefined) fields.value = parseValue(options.value);
  if (options.comment !== undefined) fields.comment = options.comment;
  if (options.correction !== undefined) fields.correction = parseCorrection(options.correction);
  if (Object.keys(fields).length === 1) {
    throw new CliError("feedback needs at least one of --score, --value, --comment, --correction.");
  }
  return fields;
}

function parseScore(text: string): number | boolean {
  if (text === "true" || text === "false") return text === "true";
  const score = Number(text);
  if (text.trim() === "" || !Number.isFinite(score)) {
    throw new CliError(`--score must be a number or true/false (got "${text}"); put labels in --value.`);
  }
  return score;
}

function parseValue(text: string): string | number | boolean | FeedbackObject {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "number" || typeof value === "boolean" || typeof value === "string") return value;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as FeedbackObject;
  } catch {
    // Not JSON: the text itself is the value.
  }
  return text;
}

function parseCorrection(text: string): FeedbackObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(
      `--correction is not valid JSON: ${text}; give the right output as an object, e.g. '{"queue":"billing"}'.`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CliError(
      `--correction must be a JSON object with the right output, e.g. '{"queue":"billing"}' (got ${text}).`,
    );
  }
  return value as FeedbackObject;
}
