/*
 * Installs a Debian package for tests that need a real program (chromium, redis-server): CI is a
 * fresh Debian machine run as root, so a missing program is installed once with apt-get; anywhere
 * else the error says how to install it by hand.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const installing = new Map<string, Promise<void>>();

/**
 * Makes sure `path` exists: when it is missing, runs `apt-get update && apt-get install -y <pkg>`
 * (once per process and package); throws an error that names `needs` and the manual command when
 * that is not possible (not root, no apt-get, no network).
 */
export function ensureAptProgram(pkg: string, path: string, needs: string): Promise<void> {
  if (existsSync(path)) return Promise.resolve();
  let pending = installing.get(pkg);
  if (!pending) {
    pending = install(pkg, path, needs);
    installing.set(pkg, pending);
  }
  return pending;
}

async function install(pkg: string, path: string, needs: string): Promise<void> {
  const manual = `Install it with: sudo apt-get update && sudo apt-get install -y ${pkg} (Debian/Ubuntu), so that ${path} exists.`;
  if (process.getuid?.() !== 0)
    throw new Error(`${needs} need ${pkg} at ${path}, and it is missing. ${manual}`);
  if (!existsSync("/usr/bin/apt-get")) {
    throw new Error(
      `${needs} need ${pkg} at ${path}, which is missing, and there is no apt-get to install it. ${manual}`,
    );
  }
  process.stderr.write(`tests: ${path} is missing; installing Debian's ${pkg} with apt-get ...\n`);
  const run = promisify(execFile);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    await run("apt-get", ["update"], { env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    // Waits for another apt-get (a parallel test process, unattended upgrades) instead of failing.
    await run("apt-get", ["-o", "DPkg::Lock::Timeout=600", "install", "-y", pkg], {
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 900_000,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(
      `Installing ${pkg} with apt-get failed (${(error as Error).message.split("\n")[0]}): ${stderr?.slice(-2000) ?? ""}\n${manual}`,
    );
  }
  if (!existsSync(path)) throw new Error(`apt-get installed ${pkg} but ${path} is still missing. ${manual}`);
}
