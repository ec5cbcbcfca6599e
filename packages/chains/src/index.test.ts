import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinChainCatalog, builtinChains, dataDir, sqlQa, supportTriage } from "./index.ts";

describe("@catena/chains", () => {
  it("lists its chains", () => {
    expect(builtinChains).toContain(supportTriage);
    expect(builtinChains).toContain(sqlQa);
    expect(new Set(builtinChains.map((c) => c.name)).size).toBe(builtinChains.length);
  });

  it("names every chain in its catalogue, which loads the same chain objects", async () => {
    expect(builtinChainCatalog.map((entry) => entry.name)).toEqual(builtinChains.map((c) => c.name));
    for (const entry of builtinChainCatalog) expect(builtinChains).toContain(await entry.load());
  });

  it("points at its data folder", () => {
    expect(isAbsolute(dataDir)).toBe(true);
    expect(existsSync(join(dataDir, "support-triage", "sample.jsonl"))).toBe(true);
    expect(existsSync(join(dataDir, "support-triage", "sample.csv"))).toBe(true);
    expect(existsSync(join(dataDir, "sql-qa", "shop.sqlite"))).toBe(true);
  });
});
