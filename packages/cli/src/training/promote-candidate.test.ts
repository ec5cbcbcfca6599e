import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliError } from "../cli-error.ts";
import { applyPromotion, type PromotionPlan } from "./promote-candidate.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "catena-promote-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const OLD_LOCK = '{\n  "lockfileVersion": 1,\n  "chains": {\n    "intent@1.0.0": "sha256:aa"\n  }\n}\n';
const NEW_LOCK =
  '{\n  "lockfileVersion": 1,\n  "chains": {\n    "intent@1.0.0": "sha256:aa",\n    "intent@1.1.0": "sha256:bb"\n  }\n}\n';

function plan(): PromotionPlan {
  return {
    lock: { path: join(dir, "catena.lock.json"), text: NEW_LOCK },
    config: { path: join(dir, "catena.config.json"), text: '{\n  "chains": ["./candidate/chain.mjs"]\n}\n' },
  };
}

describe("applyPromotion", () => {
  it("writes the lock file and the config whole, leaving no temporary file", () => {
    writeFileSync(join(dir, "catena.lock.json"), OLD_LOCK);
    const written = applyPromotion(plan());
    expect(written).toEqual({
      lockedIn: join(dir, "catena.lock.json"),
      promotedIn: join(dir, "catena.config.json"),
    });
    expect(readFileSync(join(dir, "catena.lock.json"), "utf8")).toBe(NEW_LOCK);
    expect(readFileSync(join(dir, "catena.config.json"), "utf8")).toContain("./candidate/chain.mjs");
    expect(readdirSync(dir).sort()).toEqual(["catena.config.json", "catena.lock.json"]);
  });

  it("leaves both files as they were when the config cannot be written", () => {
    writeFileSync(join(dir, "catena.lock.json"), OLD_LOCK);
    // A folder where the config goes: its temporary file is written, renaming it over the folder fails.
    mkdirSync(join(dir, "catena.config.json"));
    expect(() => applyPromotion(plan())).toThrow(CliError);
    expect(() => applyPromotion(plan())).toThrow(
      /cannot promote: .*catena\.config\.json.* neither was changed/,
    );
    expect(readFileSync(join(dir, "catena.lock.json"), "utf8")).toBe(OLD_LOCK);
    expect(statSync(join(dir, "catena.config.json")).isDirectory()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["catena.config.json", "catena.lock.json"]);
  });

  it("creates no lock file when there was none and the config cannot be written", () => {
    mkdirSync(join(dir, "catena.config.json"));
    expect(() => applyPromotion(plan())).toThrow(/neither was changed/);
    expect(readdirSync(dir)).toEqual(["catena.config.json"]);
  });
});
