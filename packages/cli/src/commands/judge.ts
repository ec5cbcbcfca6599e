import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  type AlignmentReport,
  alignJudge,
  appendAlignment,
  type EvaluatorSpec,
  evaluatorFromSpec,
  humanLabelsFromFeedback,
  JUDGE_RECORDS_DIR,
  judgeSpecOf,
  type LlmJudge,
  readHumanLabels,
} from "@catena/core/evals";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { evalsConfigIn } from "../evaluation/resolve-evaluators.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { table } from "../format/table.ts";
import { globalOptions } from "../global-options.ts";
import { assertNotDirectory } from "../input-file.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";

/** The options of `catena judge align`. */
export interface JudgeAlignOptions {
  labels: string;
  records: string;
  show: string;
}

/**
 * Registers `catena judge align <judge> --labels <file | feedback:<key>>`: runs an LLM judge (from
 * `catena.evals.json` or the built-in chains' evals) over human-labelled outputs, prints Cohen's
 * kappa, TPR/TNR, the confusion matrix and the disagreements, and appends the measurement, with the
 * judge's fingerprint, to its record `.catena/judges/<judge>.json`, which `eval --gate` checks.
 */
export function registerJudgeCommand(program: Command, ctx: CommandContext): void {
  const judge = program.command("judge").description("LLM judges: measure them against human labels");
  judge
    .command("align")
    .description("measure a judge against human labels (kappa, TPR/TNR, disagreements) and record it")
    .argument("<judge>", "judge name, from catena.evals.json or the built-in evals (e.g. sql_answer_correct)")
    .requiredOption(
      "--labels <source>",
      'a .jsonl file of { inputs, output, reference?, label: "pass"|"fail" }, or feedback:<key> (pass/fail feedback given in the studio or LangSmith)',
    )
    .option("--records <dir>", "folder of judge records", JUDGE_RECORDS_DIR)
    .option("--show <n>", "disagreements listed (text output)", "20")
    .action(async (name: string, options: JudgeAlignOptions, command: Command) => {
      const globals = globalOptions(command);
      const config = await evalsConfigIn(ctx.io.cwd);
      const spec = judgeSpecOf(config, name);
      if (spec === undefined) {
        throw new CliError(
          `no judge ${name} (judges: ${Object.keys(config.judges ?? {}).join(", ") || "none"}); define it under "judges" in catena.evals.json.`,
        );
      }
      const evaluator = evaluatorFromSpec(spec as EvaluatorSpec, {}, `judge ${name}`) as LlmJudge;
      const labels = await labelsFrom(options.labels, ctx.io.cwd);
      const { report, costUsd } = await alignJudge(evaluator, labels);
      const path = await appendAlignment(resolve(ctx.io.cwd, options.records), name, {
        fingerprint: evaluator.fingerprint,
        model: evaluator.model,
        kappa: report.kappa,
        tpr: report.tpr,
        tnr: report.tnr,
        n: report.n,
        date: new Date().toISOString(),
        labels: options.labels,
      });
      if (globals.json) {
        ctx.io.out(
          jsonText({
            status: "aligned",
            judge: name,
            fingerprint: evaluator.fingerprint,
            ...report,
            costUsd,
            record: path,
          }),
        );
        return;
      }
      ctx.io.out(
        alignmentText(
          name,
          evaluator,
          report,
          costUsd,
          displayPath(ctx.io.cwd, path),
          Number(options.show) || 20,
        ),
      );
    });
}

/**
 * The human labels: from feedback on the trace backend `catena traces` reads (LangSmith, the studio
 * at `CATENA_STUDIO_URL`, else the local studio database), or from a JSONL file.
 */
async function labelsFrom(source: string, cwd: string) {
  if (source.startsWith("feedback:")) {
    const reader = await openTraceReader();
    try {
      return await humanLabelsFromFeedback(reader.client.client, source.slice("feedback:".length));
    } finally {
      await reader.close();
    }
  }
  const path = resolve(cwd, source);
  if (!existsSync(path)) {
    throw new CliError(
      `--labels ${source}: no such file (looked from ${cwd}); give a .jsonl file of human labels, or feedback:<key> for pass/fail feedback given in the studio or LangSmith.`,
    );
  }
  assertNotDirectory(path, { option: "--labels", shown: displayPath(cwd, path) });
  return readHumanLabels(path);
}

function alignmentText(
  name: string,
  judge: LlmJudge,
  r: AlignmentReport,
  costUsd: number,
  recordPath: string,
  show: number,
): string {
  const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
  const c = r.confusion;
  const lines = [
    `judge ${name} (${judge.model}, fingerprint ${judge.fingerprint.slice(0, 12)}) against ${plural(r.n, "human label")}`,
    "",
    `Cohen's kappa ${r.kappa.toFixed(3)}; agreement ${pct(r.agreement)}; TPR ${pct(r.tpr)}; TNR ${pct(r.tnr)}${r.judgeFailures > 0 ? `; ${r.judgeFailures} without a verdict` : ""}`,
    "",
    table([
      ["", "HUMAN PASS", "HUMAN FAIL"],
      ["judge pass", String(c.truePositive), String(c.falsePositive)],
      ["judge fail", String(c.falseNegative), String(c.trueNegative)],
    ]).trimEnd(),
  ];
  if (r.disagreements.length > 0) {
    lines.push("", `disagreements (${r.disagreements.length}):`);
    for (const d of r.disagreements.slice(0, show)) {
      lines.push(
        `  ${d.id}: judge ${d.judge ? "pass" : "fail"}, human ${d.human ? "pass" : "fail"}${d.comment ? ` (${d.comment})` : ""}`,
      );
    }
  }
  lines.push("", `judge cost $${costUsd.toFixed(4)}; recorded in ${recordPath}`);
  return `${lines.join("\n")}\n`;
}
