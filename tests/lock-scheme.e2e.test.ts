/*
 * `catena lock --check` against a lock written before syntax-tree fingerprints (no `fingerprints`
 * field): a mismatch may be the new hashing's alone, so the message offers re-locking as well as a
 * version bump, and `catena lock --force` re-records the lock with the current scheme; entries of
 * chains not loaded keep their older scheme, marked per entry. A promotion into such a lock is not
 * refused: it re-locks the candidate's entry only.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

let dir: string;
const run = (...args: string[]) => catena(args, { cwd: dir });

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-lock-scheme-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("catena lock with a lock from an older fingerprint scheme", () => {
  it("says the hashing changed, and --force re-locks with the current scheme", async () => {
    const path = join(dir, "catena.lock.json");
    expect((await run("lock")).code).toBe(0);
    const current = JSON.parse(await readFile(path, "utf8")) as {
      fingerprints?: string;
      chains: Record<string, string>;
    };
    expect(current.fingerprints).toBe("syntax-tree-1");
    const id = Object.keys(current.chains).find((k) => k.startsWith("support-triage@")) as string;

    // What an older Catena wrote: no scheme, and token-based fingerprints.
    const old = { lockfileVersion: 1, chains: { ...current.chains, [id]: "abcdef012345".padEnd(64, "0") } };
    await writeFile(path, JSON.stringify(old, null, 2));
    const check = await run("lock", "--check");
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`${id}: fingerprint changed from abcdef012345`);
    expect(check.stderr).toContain("the lock was written by an older Catena that hashed code differently");
    expect(check.stderr).toContain("catena lock --force");

    expect((await run("lock", "--force")).code).toBe(0);
    const relocked = JSON.parse(await readFile(path, "utf8")) as {
      fingerprints?: string;
      chains: Record<string, string>;
    };
    expect(relocked.fingerprints).toBe("syntax-tree-1");
    expect(relocked.chains[id]).toBe(current.chains[id]);
    expect((await run("lock", "--check")).code).toBe(0);
  });

  it("keeps the entries of chains not loaded with their older scheme, and says how to re-hash them", async () => {
    const path = join(dir, "catena.lock.json");
    expect((await run("lock", "--force")).code).toBe(0);
    const current = JSON.parse(await readFile(path, "utf8")) as { chains: Record<string, string> };
    const gone = "gone-chain@1.0.0";
    const oldFingerprint = "abcdef012345".padEnd(64, "0");
    // An older Catena's lock (no scheme) with an entry whose module is not loaded now.
    const old = { lockfileVersion: 1, chains: { ...current.chains, [gone]: oldFingerprint } };
    await writeFile(path, JSON.stringify(old, null, 2));

    const r = await run("lock");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `kept 1 entry of chains not loaded in this run with the older scheme it was hashed with: ${gone}; to hash it the current way, run \`catena lock\` with its module loaded`,
    );
    const written = JSON.parse(await readFile(path, "utf8")) as {
      fingerprints?: string;
      schemes?: Record<string, string>;
      chains: Record<string, string>;
    };
    // The file does not claim the current scheme for the entry it did not hash.
    expect(written.fingerprints).toBeUndefined();
    expect(written.chains[gone]).toBe(oldFingerprint);
    expect(written.schemes?.[gone]).toBeUndefined();
    expect(Object.keys(written.schemes ?? {}).sort()).toEqual(Object.keys(current.chains).sort());
    expect(Object.values(written.schemes ?? {}).every((s) => s === "syntax-tree-1")).toBe(true);

    const check = await run("lock", "--check", "--json");
    expect(check.code).toBe(0);
    const entries = (
      JSON.parse(check.stdout) as { entries: { id: string; status: string; olderScheme?: boolean }[] }
    ).entries;
    expect(entries.find((e) => e.id === gone)).toEqual({
      id: gone,
      status: "missing",
      locked: oldFingerprint,
      olderScheme: true,
    });
    expect(
      entries.filter((e) => e.id !== gone).every((e) => e.status === "ok" && e.olderScheme === undefined),
    ).toBe(true);
    expect((await run("lock", "--check")).stdout).toContain(
      `locked but not loaded: ${gone} (hashed by an older Catena)`,
    );
  });

  it("does not refuse a promotion into it: the run goes on to read the traces, and the lock is left as it was", async () => {
    const path = join(dir, "catena.lock.json");
    const old = `${JSON.stringify({ lockfileVersion: 1, chains: { "support-triage@1.0.0": "abcdef012345".padEnd(64, "0") } }, null, 2)}\n`;
    await writeFile(path, old);
    // No trace backend is reachable: the run gets past the lock file and stops at the traces.
    const r = await catena(["train", "banking-intents", "--from-traces", "--promote"], {
      cwd: dir,
      env: { CATENA_STUDIO_URL: "http://127.0.0.1:9" },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("older Catena");
    expect(r.stderr).toContain("Cannot read the traces of banking-intents");
    expect(await readFile(path, "utf8")).toBe(old);
  });

  it("still refuses a malformed lock before any training", async () => {
    const path = join(dir, "catena.lock.json");
    await writeFile(path, "{ not json");
    const r = await catena(["train", "banking-intents", "--from-traces", "--promote"], {
      cwd: dir,
      env: { CATENA_STUDIO_URL: "http://127.0.0.1:9" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path);
    expect(r.stderr).not.toContain("127.0.0.1:9");
    expect(await readFile(path, "utf8")).toBe("{ not json");
  });
});
