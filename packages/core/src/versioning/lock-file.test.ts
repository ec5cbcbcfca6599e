import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CatenaError,
  ChainDefinitionError,
  ChainNotFoundError,
  ChainRegistry,
  checkLock,
  defineChain,
  entryScheme,
  lockFileText,
  lockFor,
  readLockFile,
  regex,
  relock,
  writeLockFile,
} from "../index.ts";
import { FINGERPRINT_SCHEME } from "./lock-file.ts";

/** A chain whose behaviour (and so fingerprint) depends on `pattern`. */
function chain(name: string, version: string, pattern = "\\brefund\\b") {
  return defineChain({
    name,
    version,
    input: z.object({ text: z.string() }),
    output: z.object({ label: z.string().nullable(), confidence: z.number() }),
    flow: regex("rules", { rules: [{ label: "refund", pattern }] }),
  });
}

describe("lock file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-lock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lockFor maps each name@version to its fingerprint, sorted", () => {
    const b = chain("beta", "1.0.0");
    const a = chain("alpha", "2.0.0");
    const lock = lockFor([b, a]);
    expect(lock).toEqual({
      lockfileVersion: 1,
      fingerprints: FINGERPRINT_SCHEME,
      chains: { "alpha@2.0.0": a.fingerprint, "beta@1.0.0": b.fingerprint },
    });
    expect(Object.keys(lock.chains)).toEqual(["alpha@2.0.0", "beta@1.0.0"]);
  });

  it("checkLock is ok when nothing changed", () => {
    const chains = [chain("alpha", "1.0.0"), chain("beta", "1.0.0")];
    const check = checkLock(chains, lockFor(chains));
    expect(check.status).toBe("ok");
    expect(check.entries.map((e) => [e.id, e.status])).toEqual([
      ["alpha@1.0.0", "ok"],
      ["beta@1.0.0", "ok"],
    ]);
  });

  it("checkLock reports a changed fingerprint under the same version as an error", () => {
    const before = chain("alpha", "1.0.0");
    const after = chain("alpha", "1.0.0", "\\brefunds?\\b");
    const check = checkLock([after], lockFor([before]));
    expect(check.status).toBe("error");
    expect(check.entries).toEqual([
      { id: "alpha@1.0.0", status: "changed", locked: before.fingerprint, actual: after.fingerprint },
    ]);
  });

  it("checkLock flags a change against a lock written with an older fingerprint scheme", async () => {
    const before = chain("alpha", "1.0.0");
    const path = join(dir, "catena.lock.json");
    // A lock from before syntax-tree fingerprints: no `fingerprints` field, and another hash.
    await writeFile(path, JSON.stringify({ lockfileVersion: 1, chains: { "alpha@1.0.0": "f".repeat(64) } }));
    const old = await readLockFile(path);
    expect(old.fingerprints).toBeUndefined();
    const check = checkLock([before], old);
    expect(check.status).toBe("error");
    expect(check.entries).toEqual([
      {
        id: "alpha@1.0.0",
        status: "changed",
        locked: "f".repeat(64),
        actual: before.fingerprint,
        olderScheme: true,
      },
    ]);
    // Matching entries are fine whatever the scheme, and a current lock round-trips its scheme.
    expect(
      checkLock([before], { lockfileVersion: 1, chains: { "alpha@1.0.0": before.fingerprint } }).status,
    ).toBe("ok");
    await writeLockFile(path, lockFor([before]));
    expect((await readLockFile(path)).fingerprints).toBe(FINGERPRINT_SCHEME);
  });

  it("checkLock accepts the change once the version is bumped (new entry, old one missing)", () => {
    const before = chain("alpha", "1.0.0");
    const after = chain("alpha", "1.1.0", "\\brefunds?\\b");
    const check = checkLock([after], lockFor([before]));
    expect(check.status).toBe("ok");
    expect(check.entries).toEqual([
      { id: "alpha@1.0.0", status: "missing", locked: before.fingerprint },
      { id: "alpha@1.1.0", status: "new", actual: after.fingerprint },
    ]);
  });

  it("checkLock reports new and missing chains without failing", () => {
    const kept = chain("kept", "1.0.0");
    const gone = chain("gone", "1.0.0");
    const added = chain("added", "0.1.0");
    const check = checkLock([kept, added], lockFor([kept, gone]));
    expect(check.status).toBe("ok");
    expect(check.entries.map((e) => [e.id, e.status])).toEqual([
      ["added@0.1.0", "new"],
      ["gone@1.0.0", "missing"],
      ["kept@1.0.0", "ok"],
    ]);
  });

  it("relock re-hashes the loaded chains and keeps the other entries with the scheme they were locked with", async () => {
    const path = join(dir, "catena.lock.json");
    const loaded = chain("loaded", "1.0.0");
    const old = "f".repeat(64);
    // An older Catena's lock: no scheme; only `loaded` is re-locked in this run.
    await writeFile(
      path,
      JSON.stringify({ lockfileVersion: 1, chains: { "loaded@1.0.0": old, "other@2.0.0": old } }),
    );
    const mixed = relock(await readLockFile(path), [loaded]);
    expect(mixed).toEqual({
      lockfileVersion: 1,
      schemes: { "loaded@1.0.0": FINGERPRINT_SCHEME },
      chains: { "loaded@1.0.0": loaded.fingerprint, "other@2.0.0": old },
    });
    expect(entryScheme(mixed, "loaded@1.0.0")).toBe(FINGERPRINT_SCHEME);
    expect(entryScheme(mixed, "other@2.0.0")).toBeUndefined();

    // Written and read back, the schemes survive, and the entry not loaded is still of the older one.
    await writeLockFile(path, mixed);
    const reread = await readLockFile(path);
    expect(reread).toEqual(mixed);
    expect(checkLock([loaded], reread).entries).toEqual([
      { id: "loaded@1.0.0", status: "ok", locked: loaded.fingerprint, actual: loaded.fingerprint },
      { id: "other@2.0.0", status: "missing", locked: old, olderScheme: true },
    ]);
    // A changed `other` is flagged as maybe the hashing's alone; a changed `loaded` is not.
    const otherNow = chain("other", "2.0.0");
    expect(checkLock([otherNow], reread).entries.find((e) => e.id === "other@2.0.0")).toMatchObject({
      status: "changed",
      olderScheme: true,
    });
    expect(
      checkLock([chain("loaded", "1.0.0", "x")], reread).entries.find((e) => e.id === "loaded@1.0.0"),
    ).not.toHaveProperty("olderScheme");

    // Once every entry is re-hashed the file is back to the one-scheme form.
    const current = relock(reread, [loaded, otherNow]);
    expect(current).toEqual(lockFor([loaded, otherNow]));
    expect(lockFileText(current)).not.toContain("schemes");
  });

  it("relock keeps entries of two older schemes apart, the commoner one as the file's", () => {
    const loaded = chain("loaded", "1.0.0");
    const lock = relock(
      {
        lockfileVersion: 1,
        fingerprints: "older-1",
        schemes: { "none@1.0.0": "older-0" },
        chains: { "a@1.0.0": "a".repeat(64), "c@1.0.0": "c".repeat(64), "none@1.0.0": "b".repeat(64) },
      },
      [loaded],
    );
    expect(lock.fingerprints).toBe("older-1");
    expect(lock.schemes).toEqual({ "loaded@1.0.0": FINGERPRINT_SCHEME, "none@1.0.0": "older-0" });
    expect(entryScheme(lock, "a@1.0.0")).toBe("older-1");
  });

  it("readLockFile rejects schemes that are not a map of strings, naming the file", async () => {
    const path = join(dir, "catena.lock.json");
    await writeFile(path, JSON.stringify({ lockfileVersion: 1, schemes: { "a@1.0.0": 1 }, chains: {} }));
    await expect(readLockFile(path)).rejects.toSatisfy(
      (e: unknown) =>
        CatenaError.isInstance(e) && e.message.includes(path) && e.message.includes('"schemes"'),
    );
  });

  it("readLockFile returns an empty lock for a missing file", async () => {
    expect(await readLockFile(join(dir, "catena.lock.json"))).toEqual({
      lockfileVersion: 1,
      fingerprints: FINGERPRINT_SCHEME,
      chains: {},
    });
  });

  it("readLockFile names the file when it is not valid JSON", async () => {
    const path = join(dir, "catena.lock.json");
    await writeFile(path, '{ "lockfileVersion": 1, "chains": { ');
    const error = await readLockFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(CatenaError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(CatenaError);
    expect((error as CatenaError).message).toContain(path);
    expect((error as CatenaError).details).toMatchObject({ path });
  });

  it("readLockFile rejects JSON that is not a lock file, naming the file", async () => {
    const path = join(dir, "catena.lock.json");
    await writeFile(path, JSON.stringify({ chains: [] }));
    await expect(readLockFile(path)).rejects.toSatisfy(
      (e: unknown) => CatenaError.isInstance(e) && e.message.includes(path),
    );
  });

  it("writeLockFile and readLockFile round-trip, with stable formatting", async () => {
    const path = join(dir, "catena.lock.json");
    const lock = lockFor([chain("beta", "1.0.0"), chain("alpha", "1.0.0")]);
    await writeLockFile(path, lock);
    expect(await readLockFile(path)).toEqual(lock);
    const text = await readFile(path, "utf8");
    expect(text).toBe(`${JSON.stringify(lock, null, 2)}\n`);
    expect(lockFileText(lock)).toBe(text);
    await writeLockFile(path, await readLockFile(path));
    expect(await readFile(path, "utf8")).toBe(text);
    expect(
      checkLock([chain("alpha", "1.0.0"), chain("beta", "1.0.0")], await readLockFile(path)).status,
    ).toBe("ok");
  });
});

describe("ChainRegistry", () => {
  it("holds two versions of a chain side by side", () => {
    const v1 = chain("triage", "1.2.0");
    const v2 = chain("triage", "2.0.0", "\\brefunds?\\b");
    const registry = new ChainRegistry([v1, v2]);
    expect(registry.get("triage@1.2.0")).toBe(v1);
    expect(registry.get("triage@2.0.0")).toBe(v2);
    expect(registry.versions("triage").map((c) => c.version)).toEqual(["1.2.0", "2.0.0"]);
  });

  it("get(name) returns the latest version by semver, not by string order or insertion order", () => {
    const v1100 = chain("triage", "1.10.0", "a");
    const v190 = chain("triage", "1.9.0", "b");
    const v120 = chain("triage", "1.2.0", "c");
    const registry = new ChainRegistry([v1100, v190, v120]);
    expect(registry.get("triage")).toBe(v1100);
    expect(registry.versions("triage").map((c) => c.version)).toEqual(["1.2.0", "1.9.0", "1.10.0"]);
  });

  it("prefers a release over its prerelease as latest", () => {
    const registry = new ChainRegistry([chain("triage", "2.0.0", "a"), chain("triage", "2.0.0-rc.1", "b")]);
    expect(registry.get("triage").version).toBe("2.0.0");
  });

  it("throws ChainNotFoundError listing the known chains for an unknown name or version", () => {
    const registry = new ChainRegistry([chain("triage", "1.0.0"), chain("intents", "0.3.0")]);
    for (const ref of ["nope", "triage@9.9.9"]) {
      let error: unknown;
      try {
        registry.get(ref);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ChainNotFoundError);
      expect((error as ChainNotFoundError).code).toBe("CHAIN_NOT_FOUND");
      expect((error as Error).message).toContain(ref);
      expect((error as Error).message).toContain("intents@0.3.0");
      expect((error as Error).message).toContain("triage@1.0.0");
      expect((error as ChainNotFoundError).details).toMatchObject({
        ref,
        known: ["intents@0.3.0", "triage@1.0.0"],
      });
    }
    expect(registry.find("nope")).toBeUndefined();
  });

  it("rejects the same name@version registered with a different fingerprint", () => {
    const registry = new ChainRegistry([chain("triage", "1.0.0")]);
    expect(() => registry.register(chain("triage", "1.0.0", "\\bchanged\\b"))).toThrow(ChainDefinitionError);
    expect(() => new ChainRegistry([chain("x", "1.0.0", "a"), chain("x", "1.0.0", "b")])).toThrow(
      /x@1\.0\.0/,
    );
  });

  it("accepts the same definition registered twice", () => {
    const registry = new ChainRegistry([chain("triage", "1.0.0")]);
    expect(() => registry.register(chain("triage", "1.0.0"))).not.toThrow();
    expect(registry.list()).toHaveLength(1);
  });

  it("lists every chain by name then version", () => {
    const registry = new ChainRegistry([
      chain("b", "1.0.0"),
      chain("a", "1.10.0", "x"),
      chain("a", "1.9.0", "y"),
    ]);
    expect(registry.list().map((c) => c.id)).toEqual(["a@1.9.0", "a@1.10.0", "b@1.0.0"]);
  });
});
