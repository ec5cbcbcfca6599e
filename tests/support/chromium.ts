/*
 * A real headless Chromium for tests that need a browser's own rules (CORS, Origin, Sec-Fetch-*):
 * Debian's `chromium`, driven by playwright-core. On a machine without it (CI is a fresh machine,
 * run as root) it is installed once with apt-get; anything else fails with what to do.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { ensureAptProgram } from "./apt-install.ts";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Makes sure {@link CHROMIUM_PATH} exists, installing Debian's `chromium` with apt-get when it is missing
 * (see {@link ensureAptProgram}).
 */
export function ensureChromium(): Promise<void> {
  return ensureAptProgram("chromium", CHROMIUM_PATH, "The browser tests");
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
