/*
 * A real headless Chromium for tests that need a browser's own rules (CORS, Origin, Sec-Fetch-*):
 * Debian's `chromium`, driven by playwright-core. On a machine without it (CI is a fresh machine,
 * run as root) it is installed once with apt-get; anything else fails with what to do.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BrowserContext, chromium } from "playwright-core";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

let installing: Promise<void> | undefined;

/**
 * Makes sure {@link CHROMIUM_PATH} exists: when it is missing, runs
 * `apt-get update && apt-get install -y chromium` (once per process), and throws an error that
 * says how to install it by hand when that is not possible (not root, no apt-get, no network).
 */
export function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM_PATH)) return Promise.resolve();
  installing ??= installChromium();
  return installing;
}

async function installChromium(): Promise<void> {
  const manual = `Install it with: sudo apt-get update && sudo apt-get install -y chromium (Debian/Ubuntu), so that ${CHROMIUM_PATH} exists.`;
  if (process.getuid?.() !== 0) {
    throw new Error(`The browser tests need Chromium at ${CHROMIUM_PATH}, and it is missing. ${manual}`);
  }
  if (!existsSync("/usr/bin/apt-get")) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM_PATH}, which is missing, and there is no apt-get to install it. ${manual}`,
    );
  }
  process.stderr.write(`tests: ${CHROMIUM_PATH} is missing; installing Debian's chromium with apt-get ...\n`);
  const run = promisify(execFile);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    await run("apt-get", ["update"], { env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    // Waits for another apt-get (a parallel test process, unattended upgrades) instead of failing.
    await run("apt-get", ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "chromium"], {
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 900_000,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(
      `Installing chromium with apt-get failed (${(error as Error).message.split("\n")[0]}): ${stderr?.slice(-2000) ?? ""}\n${manual}`,
    );
  }
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing. ${manual}`);
  }
}

/** A launched browser (its one persistent context) and the clean-up that closes it and removes its profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh profile (`--user-data-dir`) and nothing that talks to the
 * internet. `extraArgs` adds switches, e.g. `--host-resolver-rules=MAP attacker.example 127.0.0.1`.
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<TestBrowser> {
  await ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), "catena-chromium-"));
  // playwright passes the profile as --user-data-dir (it refuses that switch in `args`).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
