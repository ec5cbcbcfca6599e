import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { globalOptions } from "../global-options.ts";
import { parseSince } from "../tracing/parse-since.ts";

interface PruneOptions {
  olderThan?: string;
  db?: string;
  dryRun?: boolean;
  vacuum: boolean;
}

/**
 * Registers `catena studio prune --older-than 30d [--db path] [--dry-run] [--no-vacuum]` under
 * `catena studio`: deletes the traces (with their feedback and attachments) whose root run started
 * before the cut-off from the local studio database, then compacts the file. Projects, datasets and
 * examples stay.
 */
export function registerStudioPruneCommand(studio: Command, ctx: CommandContext): void {
  studio
    .command("prune")
    .description("delete old traces (with their feedback) from the local studio database and shrink the file")
    .requiredOption(
      "--older-than <span|date>",
      "delete traces started before this: 30d, 2w, 12h, or a date (2026-05-01)",
    )
    .option("--db <path>", "SQLite database file (default: CATENA_STUDIO_DB, else the user's data directory)")
    .option("--dry-run", "count what would be deleted; change nothing")
    .option("--no-vacuum", "do not compact the file afterwards (faster; the space is reused by new traces)")
    .action(async (options: PruneOptions, command: Command) => {
      const globals = globalOptions(command);
      const before = parseSince(options.olderThan ?? "", Date.now(), "--older-than");
      const { defaultStudioDbPath, pruneStudio, StudioStore, vacuumStudio } = await import("@catena/studio");
      // `catena studio` has a --db of its own, which commander may give the value to.
      const db = options.db ?? command.optsWithGlobals<{ db?: string }>().db;
      const dbPath = resolve(
        ctx.io.cwd,
        db ?? (process.env.CATENA_STUDIO_DB?.trim() || defaultStudioDbPath()),
      );
      if (!existsSync(dbPath)) {
        throw new CliError(`no studio database at ${dbPath}: nothing to prune (--db names another one).`);
      }
      const sizeBefore = fileSize(dbPath);
      const store = StudioStore.open(dbPath);
      let vacuumed = false;
      let vacuumProblem: string | undefined;
      let result: ReturnType<typeof pruneStudio>;
      try {
        result = pruneStudio(store, { before, dryRun: options.dryRun === true });
        if (options.dryRun !== true && options.vacuum && result.runs > 0) {
          try {
            vacuumStudio(store);
            vacuumed = true;
          } catch (error) {
            vacuumProblem = (error as Error).message;
          }
        }
      } finally {
        store.close();
      }
      const sizeAfter = fileSize(dbPath);
      if (globals.json) {
        ctx.io.out(
          jsonText({
            dbPath,
            before: before.toISOString(),
            dryRun: options.dryRun === true,
            ...result,
            vacuumed,
            bytesBefore: sizeBefore,
            bytesAfter: sizeAfter,
          }),
        );
      } else {
        const verb = options.dryRun === true ? "would delete" : "deleted";
        ctx.io.out(
          `${dbPath}: ${verb} ${plural(result.traces, "trace")} started before ${before.toISOString()} (${plural(result.runs, "run")}, ${result.feedback} feedback, ${plural(result.attachments, "attachment")})` +
            (vacuumed ? `; ${megabytes(sizeBefore)} -> ${megabytes(sizeAfter)}` : "") +
            "\n",
        );
      }
      if (vacuumProblem !== undefined) {
        ctx.io.err(
          `catena: warning: the traces were deleted but the file was not compacted (${vacuumProblem}); stop the running catena studio and run prune again to shrink it.\n`,
        );
      }
    });
}

/** Size of the database with its write-ahead log, in bytes. */
function fileSize(path: string): number {
  return [path, `${path}-wal`].reduce((sum, p) => sum + (existsSync(p) ? statSync(p).size : 0), 0);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}
