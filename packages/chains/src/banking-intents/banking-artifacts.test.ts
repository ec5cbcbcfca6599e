import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBankingManifest } from "./banking-artifacts.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-banking-folder-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("banking artifacts' messages", () => {
  it("name the folder itself in the command that rebuilds it", () => {
    expect(() => readBankingManifest(dir)).toThrow(
      expect.objectContaining({
        code: "ARTIFACT_INVALID",
        message: expect.stringContaining(`\`catena train banking-intents --out ${dir}\``),
      }),
    );
  });
});
