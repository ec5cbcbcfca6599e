/*
 * `catena calibrate` without --artifacts, interrupted while it writes its candidate version (the
 * installed artifacts being copied into the staged folder): Ctrl-C or SIGTERM removes the staged
 * folder and writes nothing, as `catena train` does; it never leaves a half-copied candidate.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bankingSplit } from "@catena/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/ensure-built.ts";
import { catenaBin } from "./support/run-catena.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-calibrate-interrupt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;
const INTENTS = ["card_arrival", "apple_pay_or_google_pay", "exchange_rate", "pin_blocked"];
const { dev } = bankingSplit();
const smallDev = INTENTS.flatMap((label) => dev.filter((e) => e.label === label).slice(0, 10));

beforeAll(async () => {
  await ensureBuilt();
  writeFileSync(
    join(dir, "dev.csv"),
    `text,label\n${smallDev.map((r) => `${quote(r.text)},${quote(r.label)}`).join("\n")}\n`,
  );
}, 600_000);

/** How one interrupted calibration ended. */
interface Stopped {
  /** Whether the signal came while the staged folder was there (else the run had committed). */
  caught: boolean;
  code: number | null;
  stderr: string;
  /** What the candidates folder holds afterwards. */
  left: string[];
}

/**
 * Runs `catena calibrate banking-intents` in a new project and, the moment its staged candidate
 * folder appears (the installed artifacts, ~48 MB, being copied into it), stops it (SIGSTOP),
 * sends `signal` and lets it go on. The copy pauses before each file (the test hook
 * CATENA_TEST_CLONE_PAUSE_MS): a copy-on-write clone takes a millisecond, which a poll would miss.
 */
async function calibrateStopped(project: string, signal: NodeJS.Signals): Promise<Stopped> {
  mkdirSync(project);
  const candidates = join(project, ".catena", "candidates");
  const child = spawn(
    process.execPath,
    [catenaBin, "--no-trace", "calibrate", "banking-intents", "--data", "../dev.csv"],
    {
      cwd: project,
      env: {
        ...process.env,
        NO_COLOR: "1",
        OPENAI_API_KEY: "",
        OPENAI_BASE_URL: "",
        CATENA_TEST_CLONE_PAUSE_MS: "300",
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const entries = (): string[] => (existsSync(candidates) ? readdirSync(candidates) : []);
  const staged = (): string[] => entries().filter((n) => n.includes(".staged-"));
  const end = Date.now() + 90_000;
  while (staged().length === 0 && child.exitCode === null && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGSTOP");
  const caught = staged().length === 1;
  try {
    child.kill(signal);
  } finally {
    child.kill("SIGCONT");
  }
  const code = await exited;
  return { caught, code, stderr, left: entries() };
}

describe("catena calibrate interrupted while it writes the candidate", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "on %s removes the staged folder and writes nothing (exit %i)",
    async (signal, exitCode) => {
      const r = await calibrateStopped(join(dir, signal), signal);
      expect(r.caught, JSON.stringify(r)).toBe(true);
      expect(r.code, JSON.stringify(r)).toBe(exitCode);
      expect(r.stderr).toMatch(
        /catena: interrupted; nothing was written to \.catena\/candidates\/banking-intents@1\.0\.1\n$/,
      );
      // No staged folder is left, and no candidate.
      expect(r.left).toEqual([]);
    },
    300_000,
  );
});
