import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { jsonText } from "../format/json-text.ts";
import { studioBanner } from "../format/studio-banner.ts";
import { globalOptions } from "../global-options.ts";
import { studioResumer } from "../tracing/studio-resumer.ts";
import { studioStartFailure } from "./studio-start-failure.ts";

/** The port `catena studio` listens on unless told otherwise (LangSmith's local default). */
export const DEFAULT_STUDIO_PORT = 1984;

interface StudioCommandOptions {
  port: string;
  host: string;
  db?: string;
  allowHost: string[];
  publicUrl?: string;
}

function collect(value: string, previous: string[]): string[] {
  const names = value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  // An empty name would silently allow nothing more: say so rather than start as if it had worked.
  if (names.length === 0) {
    throw new CliError(
      `--allow-host needs a host name such as studio.internal or .example.com (got "${value}").`,
    );
  }
  return [...previous, ...names];
}

/**
 * Registers `catena studio [--port 1984] [--host 127.0.0.1] [--allow-host name] [--public-url url]
 * [--db path]`: serves the local LangSmith-compatible studio, prints its URL (with `--json`,
 * `{url, port, dbPath}`), and stops cleanly on Ctrl-C or SIGTERM. A `--host` other machines reach
 * needs `CATENA_STUDIO_API_KEY`; without it the command refuses to start (exit code 2) and says so.
 */
export function registerStudioCommand(program: Command, ctx: CommandContext): void {
  program
    .command("studio")
    .description("serve the local LangSmith-compatible trace and feedback studio (SQLite)")
    .option("--port <port>", "TCP port (0: any free port)", String(DEFAULT_STUDIO_PORT))
    .option(
      "--host <host>",
      "interface to listen on; a non-loopback one (0.0.0.0) needs CATENA_STUDIO_API_KEY",
      "127.0.0.1",
    )
    .option(
      "--allow-host <name>",
      "also answer requests for this Host name (repeatable or comma-separated; .example.com for a domain); others get 403",
      collect,
      [],
    )
    .option(
      "--public-url <url>",
      "the URL others reach the studio at (presigned feedback URLs start with it)",
    )
    .option("--db <path>", "SQLite database file (default: CATENA_STUDIO_DB, else the user's data directory)")
    .action(async (options: StudioCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new CliError(`--port must be an integer from 0 to 65535 (got "${options.port}").`);
      }
      if (options.host.trim() === "") {
        throw new CliError(
          "--host needs an address to listen on, e.g. 127.0.0.1 (the default), ::1 or 0.0.0.0 (with CATENA_STUDIO_API_KEY).",
        );
      }
      // Imported here, not at the top: loading node:sqlite prints an ExperimentalWarning, which
      // every other command would show too.
      const dbPath = options.db ?? (process.env.CATENA_STUDIO_DB?.trim() || undefined);
      const { startStudio, StudioStartError } = await import("@catena/studio");
      let studio: Awaited<ReturnType<typeof startStudio>>;
      let studioUrl = "";
      try {
        studio = await startStudio({
          port,
          host: options.host,
          allowedHosts: options.allowHost,
          ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
          // The same file `catena run` traces to in-process, so the studio shows those runs.
          ...(dbPath === undefined ? {} : { dbPath }),
          // A decided review resumes here: this studio loads the chains the CLI knows.
          resumeReview: studioResumer({
            cwd: ctx.io.cwd,
            modules: globals.chains,
            url: () => studioUrl,
            apiKey: process.env.CATENA_STUDIO_API_KEY?.trim() || undefined,
          }),
        });
        studioUrl = studio.url;
      } catch (error) {
        throw studioStartFailure(error, error instanceof StudioStartError, { port, host: options.host });
      }
      // Listening before saying where: a caller may send SIGTERM as soon as it reads the URL.
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      if (globals.json) {
        ctx.io.out(jsonText({ url: studio.url, port: studio.port, dbPath: studio.dbPath }));
      } else {
        const keyed = (process.env.CATENA_STUDIO_API_KEY ?? "") !== "";
        ctx.io.out(studioBanner({ url: studio.url, dbPath: studio.dbPath, keyed }));
      }
      const signal = await stopped;
      await studio.close();
      if (!globals.json) ctx.io.err(`catena studio: stopped (${signal})\n`);
    });
}
