import { describe, expect, it } from "vitest";
import { ArtifactError } from "../errors/ml-errors.ts";
import { artifactHash, decodeArtifact, encodeArtifact } from "./artifact-file.ts";

const contents = {
  kind: "demo",
  version: 2,
  meta: { name: "x", sizes: [1, 2] },
  sections: { a: Float32Array.from([1.5, -2, 3]), b: Int8Array.from([-1, 2]) },
};

describe("artifact files", () => {
  it("round-trips kind, version, metadata and typed sections with a stable content hash", () => {
    const { bytes, contentHash } = encodeArtifact(contents);
    expect(contentHash).toBe(artifactHash(contents));
    expect(contentHash).toMatch(/^[0-9a-f]{64}$/);
    const back = decodeArtifact(bytes, { kind: "demo", versions: [1, 2] });
    expect(back).toEqual({ ...contents, contentHash });
    expect(encodeArtifact({ ...contents, meta: { sizes: [1, 2], name: "x" } }).contentHash).toBe(contentHash);
  });

  it("refuses other kinds, unsupported versions, foreign files and corrupt bytes", () => {
    const { bytes } = encodeArtifact(contents);
    expect(() => decodeArtifact(bytes, { kind: "other", versions: [2] })).toThrow(
      /holds a "demo", not a "other"/,
    );
    expect(() => decodeArtifact(bytes, { kind: "demo", versions: [1] })).toThrow(
      /version 2 is not supported/,
    );
    expect(() => decodeArtifact(new TextEncoder().encode("{}"), { kind: "demo", versions: [2] })).toThrow(
      ArtifactError,
    );
    const bad = bytes.slice();
    // Section "b" starts 16 bytes from the end (each section is padded to 16 bytes).
    bad[bad.length - 16] = (bad[bad.length - 16] ?? 0) ^ 1;
    expect(() => decodeArtifact(bad, { kind: "demo", versions: [2] })).toThrow(/corrupt/);
  });
});
