import { auditReport } from "@catena/core/ml";
import { listTracedInputs } from "@catena/core/tracing";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { auditText } from "../format/audit-report-text.ts";
import { jsonText } from "../format/json-text.ts";
import { globalOptions } from "../global-options.ts";
import { parseShare } from "../share-option.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { assertTraced, ofVersion, tracedChain } from "../tracing/traced-chain.ts";

interface AuditReportOptions {
  since: string;
  project?: string;
  level: string;
}

/**
 * Registers `catena audit report <chain> [--since 24h] [--level 0.95]`: the cheap tiers' precision
 * measured by audits (`catena batch --audit`), per tier with Wilson's interval, and the answers the
 * LLM tier disagreed with.
 */
export function registerAuditCommand(program: Command, ctx: CommandContext): void {
  const audit = program.command("audit").description("audits of the cheap tiers' answers by the LLM tier");
  audit
    .command("report")
    .description("measured precision of each cheap tier from its audits, with a confidence interval")
    .argument("<chain>", "the chain whose answers were audited (name@version: that version's audits only)")
    .option("--since <span|date>", "audits started since: 30m, 24h, 7d, or a date", "24h")
    .option("--project <name>", "trace project (default: the chain's project, else LANGSMITH_PROJECT)")
    .option("--level <share>", "confidence level of the intervals (0.95 or 95%)", "0.95")
    .action(async (chain: string, options: AuditReportOptions, command: Command) => {
      const globals = globalOptions(command);
      const since = parseSince(options.since);
      const level = parseShare(options.level, "--level", { zero: false });
      // A level of 1 (or ½ and below) has no finite interval: refused before the traces are read.
      if (!(level > 0.5 && level < 1))
        throw new CliError(
          `--level must be a confidence level above 0.5 and below 1 (0.95 or 95%), got "${options.level}".`,
        );
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const traced = tracedChain(registry, chain, options.project);
      const projects = traceProjects(registry, traced.name, options.project);
      const reader = await openTraceReader();
      try {
        const runs = await listTracedInputs({
          client: reader.client,
          project: projects,
          chain: traced.name,
          since,
        });
        assertTraced(registry, traced, runs, { projects, since });
        const report = auditReport(ofVersion(runs, traced), { level });
        ctx.io.out(
          globals.json ? jsonText({ status: "reported", chain, ...report }) : auditText(chain, report, since),
        );
      } finally {
        await reader.close();
      }
    });
}
