import { type FeedbackObject, feedback, feedbackStats } from "@catena/core/tracing";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { jsonText } from "../format/json-text.ts";
import { globalOptions } from "../global-options.ts";
import { feedbackStatsText } from "../tracing/feedback-stats-text.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";

interface GiveOptions {
  key?: string;
  score?: string;
  value?: string;
  comment?: string;
  correction?: string;
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
 * (feedback on a traced run) and `catena feedback stats --chain X --key K [--by version|model]
 * [--per day|week]` (counts and mean scores per period and group).
 */
export function registerFeedbackCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command("feedback")
    .description("give feedback on a traced run, or (feedback stats) count it per period and version/model")
    .argument("<runId>", "the run id (catena traces lists them)")
    .option("--key <key>", "what is judged: correctness, rating, thumbs, ...")
    .option("--score <n>", "numeric score (e.g. 0/1, 1-5), or true/false")
    .option("--value <v>", "a non-numeric value (a label); JSON is parsed")
    .option("--comment <text>", "free-text comment")
    .option("--correction <json>", 'the right output as a JSON object, e.g. \'{"queue":"billing"}\'')
    .action(async (runId: string, options: GiveOptions, cmd: Command) => {
      const globals = globalOptions(cmd);
      const fields = feedbackFields(options);
      const reader = await openTraceReader();
      try {
        const record = await feedback(runId.trim(), fields, { client: reader.client });
        if (globals.json) ctx.io.out(jsonText(record));
        else ctx.io.out(`Feedback "${record.key}" recorded on run ${record.runId} (${reader.where}).\n`);
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
