import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where the studio keeps its database when no path is given: `$XDG_DATA_HOME/catena/studio.db`,
 * else `~/.local/share/catena/studio.db` (on macOS `~/Library/Application Support/catena/studio.db`).
 */
export function defaultStudioDbPath(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  const xdg = env.XDG_DATA_HOME;
  if (xdg !== undefined && xdg !== "") return join(xdg, "catena", "studio.db");
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "catena", "studio.db");
  return join(homedir(), ".local", "share", "catena", "studio.db");
}
