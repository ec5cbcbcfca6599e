import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./ensure-built.ts";

/** A fixture script running in a child process, with everything it printed on stdout and stderr. */
export interface FixtureProcess {
  /** All it printed so far, stdout and stderr interleaved as they came. */
  said(): string;
  /** Its exit code, once it exits (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Writes a line to its stdin (for fixtures that read commands). */
  tell(line: string): void;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Runs `tests/fixtures/<script>` under the sources (`--conditions=@catena/source`) in a child
 * process: the queue's close tests need a process of its own, as what they check is that it exits.
 */
export function spawnFixture(script: string, args: readonly string[]): FixtureProcess {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@catena/source",
      "--disable-warning=ExperimentalWarning",
      join(repoRoot, "tests/fixtures", script),
      ...args,
    ],
    { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] },
  );
  let said = "";
  const hear = (chunk: Buffer): void => {
    said += chunk.toString();
  };
  child.stdout.on("data", hear);
  child.stderr.on("data", hear);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    said: () => said,
    exited,
    tell: (line) => child.stdin.write(`${line}\n`),
    kill: (signal) => child.kill(signal),
  };
}
