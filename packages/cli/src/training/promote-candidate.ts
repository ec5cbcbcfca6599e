import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { CONFIG_FILE } from "../chains/read-config.ts";
import { CliError } from "../cli-error.ts";

/**
 * Promotes a candidate: lists its chain module in the project's `catena.config.json` (created when
 * missing), so that the bare chain name resolves to it as the latest version while the earlier
 * versions stay loadable as name@version. Returns the config file's path.
 */
export function promoteCandidate(cwd: string, modulePath: string): string {
  const path = join(cwd, CONFIG_FILE);
  let config: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
        config = parsed as Record<string, unknown>;
      else throw new Error("not a JSON object");
    } catch (error) {
      throw new CliError(
        `cannot promote: ${path} is not a JSON object (${(error as Error).message}); fix it, then add "${modulePath}" to its "chains".`,
        { cause: error },
      );
    }
  }
  const chains = Array.isArray(config.chains) ? config.chains.filter((c) => typeof c === "string") : [];
  const rel = relative(cwd, modulePath).split(sep).join("/");
  const entry = rel.startsWith("..") || rel.startsWith("/") ? modulePath : `./${rel}`;
  if (!chains.includes(entry)) chains.push(entry);
  writeFileSync(path, `${JSON.stringify({ ...config, chains }, null, 2)}\n`);
  return path;
}
