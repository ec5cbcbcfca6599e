import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { CliError } from "../cli-error.ts";

/** The name of the config file looked up in the current directory. */
export const CONFIG_FILE = "catena.config.json";

/** What `catena.config.json` holds. */
export interface CatenaConfig {
  /** Chain modules, as absolute paths (relative ones are resolved against the config file's folder). */
  chains: string[];
}

/**
 * Reads `catena.config.json` from `cwd`; a missing file is an empty config. Any other problem
 * (invalid JSON, wrong shape) is a usage error that names the file and the fix.
 *
 * @example
 * // catena.config.json: { "chains": ["./my-chains.ts"] }
 * const { chains } = await readConfig(process.cwd());
 */
export async function readConfig(cwd: string): Promise<CatenaConfig> {
  const path = join(cwd, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { chains: [] };
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid JSON (${(error as Error).message}); fix it or remove it.`, {
      cause: error,
    });
  }
  const chains = (parsed as { chains?: unknown } | null)?.chains;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${path} must hold a JSON object like { "chains": ["./my-chains.ts"] }.`);
  }
  if (chains === undefined) return { chains: [] };
  if (!Array.isArray(chains) || !chains.every((c): c is string => typeof c === "string")) {
    throw new CliError(`${path}: "chains" must be a list of module paths, like ["./my-chains.ts"].`);
  }
  return { chains: chains.map((c) => resolve(dirname(path), c)) };
}
