import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  checkLock,
  floatingModels,
  type LockEntryCheck,
  readLockFile,
  relock,
  writeLockFile,
} from "@catena/core";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import type { CommandContext } from "../command-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { shortFingerprint } from "../format/short-fingerprint.ts";
import { globalOptions } from "../global-options.ts";
import { assertNotDirectory } from "../input-file.ts";
import { assertWritablePath } from "../writable-path.ts";

/** The default lock file, in the current directory. */
export const DEFAULT_LOCKFILE = "catena.lock.json";

/** The options of `catena lock`. */
export interface LockCommandOptions {
  check?: boolean;
  strict?: boolean;
  force?: boolean;
  lockfile: string;
}

/**
 * Registers `catena lock`: records `name@version -> fingerprint` of every known chain in
 * catena.lock.json, keeping the entries already there. A fingerprint that changed under an
 * unchanged version is refused (exit 1) unless `--force`; `--check` only compares, and fails on
 * such a change (and, with `--strict`, on chains not locked yet and on llm steps that name floating
 * model aliases instead of pinned snapshots).
 */
export function registerLockCommand(program: Command, ctx: CommandContext): void {
  program
    .command("lock")
    .description("write or check catena.lock.json: a changed fingerprint needs a new version")
    .option("--check", "do not write; fail when a fingerprint changed but the version did not")
    .option("--strict", "with --check, also fail on chains not locked yet and on floating model aliases")
    .option("--force", "overwrite entries whose fingerprint changed under the same version")
    .option("--lockfile <path>", "lock file to read and write", DEFAULT_LOCKFILE)
    .action(async (options: LockCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const path = resolve(ctx.io.cwd, options.lockfile);
      const shown = displayPath(ctx.io.cwd, path);
      assertNotDirectory(path, { option: "--lockfile", shown });
      // Refused before the chains load; a folder that does not exist yet is created on writing.
      if (options.check !== true) assertWritablePath(path, { option: "--lockfile", shown, kind: "file" });
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const chains = registry.list();
      const existed = existsSync(path);
      const lock = await readLockFile(path);
      const { entries } = checkLock(chains, lock);
      const changed = entries.filter((e) => e.status === "changed");
      const fresh = entries.filter((e) => e.status === "new");
      const missing = entries.filter((e) => e.status === "missing");

      if (options.check) {
        // Pinned models are part of --strict: a floating alias can change answers under the same fingerprint.
        const floating =
          options.strict === true
            ? chains.flatMap((c) => floatingModels(c).map((f) => ({ chain: c.id, ...f })))
            : [];
        const failed =
          changed.length > 0 ||
          (options.strict === true && (!existed || fresh.length > 0 || floating.length > 0));
        if (globals.json)
          ctx.io.out(
            jsonText({
              lockfile: path,
              exists: existed,
              status: failed ? "error" : "ok",
              wrote: false,
              entries,
              ...(options.strict === true ? { floatingModels: floating } : {}),
            }),
          );
        else {
          if (!existed && options.strict === true) {
            ctx.io.err(
              `catena: no lock file: ${path} does not exist (--strict); create it with \`catena lock\` and commit it.\n`,
            );
          } else if (!existed) {
            ctx.io.out(
              `no lock file: ${path} does not exist, so nothing was checked; create it with \`catena lock\` (--strict fails without one).\n`,
            );
          }
          if (existed) {
            for (const e of fresh) ctx.io.out(`not locked yet: ${e.id} (run \`catena lock\` to add it)\n`);
          }
          for (const e of missing) {
            ctx.io.out(
              `locked but not loaded: ${e.id}${e.olderScheme === true ? " (hashed by an older Catena)" : ""}\n`,
            );
          }
          for (const e of changed) ctx.io.err(`catena: ${changedLine(e)}\n`);
          for (const f of floating) {
            ctx.io.err(
              `catena: ${f.chain}: step "${f.step}" uses the floating model alias "${f.model}" (--strict); pin a dated snapshot, e.g. "openai:gpt-4.1-mini-2025-04-14".\n`,
            );
          }
          if (options.strict === true && existed && fresh.length > 0) {
            ctx.io.err(
              `catena: ${plural(fresh.length, "chain")} not in ${shown} (--strict); run \`catena lock\`.\n`,
            );
          }
          const matching = entries.filter((e) => e.status === "ok").length;
          if (!failed && existed)
            ctx.io.out(`${shown}: ok (${plural(matching, "chain matches", "chains match")})\n`);
        }
        if (failed) ctx.setExitCode(ExitCode.failed);
        return;
      }

      if (changed.length > 0 && options.force !== true) {
        if (globals.json) ctx.io.out(jsonText({ lockfile: path, status: "error", wrote: false, entries }));
        for (const e of changed) ctx.io.err(`catena: ${changedLine(e)}\n`);
        ctx.io.err(
          `catena: refusing to overwrite ${shown}; bump the versions, or pass --force to re-lock as they are.\n`,
        );
        ctx.setExitCode(ExitCode.failed);
        return;
      }
      // Entries of chains not loaded now keep their own scheme: they were not hashed anew.
      const merged = relock(lock, chains);
      mkdirSync(dirname(path), { recursive: true });
      await writeLockFile(path, merged);
      if (globals.json) {
        ctx.io.out(jsonText({ lockfile: path, status: "ok", wrote: true, entries }));
        return;
      }
      for (const e of fresh) ctx.io.out(`locked ${e.id} ${shortFingerprint(e.actual ?? "")}\n`);
      for (const e of changed) {
        ctx.io.out(
          `re-locked ${e.id} ${shortFingerprint(e.locked ?? "")} -> ${shortFingerprint(e.actual ?? "")} (--force)\n`,
        );
      }
      ctx.io.out(`wrote ${shown}: ${plural(Object.keys(merged.chains).length, "entry", "entries")}\n`);
      const older = missing.filter((e) => e.olderScheme === true).map((e) => e.id);
      if (older.length > 0) ctx.io.out(`${olderKeptLine(older)}\n`);
    });
}

function changedLine(e: LockEntryCheck): string {
  const change = `${e.id}: fingerprint changed from ${shortFingerprint(e.locked ?? "")} to ${shortFingerprint(e.actual ?? "")} but the version did not`;
  if (e.olderScheme) {
    // Fingerprints of code changed with the syntax-tree hashing: the chain may well be the same.
    return `${change}; the lock was written by an older Catena that hashed code differently: if the chain did not change, re-lock with \`catena lock --force\`, else bump the version`;
  }
  return `${change}; bump the version`;
}

/** Why some entries still carry an older scheme after a write, and how to hash them the current way. */
function olderKeptLine(ids: string[]): string {
  const shown = ids.length > 5 ? `${ids.slice(0, 5).join(", ")}, ...` : ids.join(", ");
  const them = ids.length === 1 ? "it" : "them";
  return `kept ${plural(ids.length, "entry", "entries")} of chains not loaded in this run with the older scheme ${them === "it" ? "it was" : "they were"} hashed with: ${shown}; to hash ${them} the current way, run \`catena lock\` with ${ids.length === 1 ? "its module" : "their modules"} loaded (--chains, or "chains" in catena.config.json), or remove the entries of chains that are gone.`;
}
