/*
 * The binary artifact format shared by indexes, classifiers and embedders: a JSON header followed
 * by typed-array sections, with a SHA-256 content hash that goes into chain fingerprints. Binary
 * rather than JSON because weight matrices are megabytes of floats that JSON would triple in size
 * and parse slowly; the header stays readable with `head -c`.
 *
 * Layout: 8 magic bytes "CATENA\x00\x01", a little-endian u32 header length, the UTF-8 header, zero
 * padding to 16 bytes, then each section's bytes (little-endian), each starting at a multiple of 16.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { ArtifactError } from "../errors/ml-errors.ts";
import type { JsonValue } from "../types.ts";
import { canonicalJson } from "../versioning/canonical-json.ts";

/** Typed arrays an artifact section can hold. */
export type SectionArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** What an artifact holds: its kind and format version, JSON metadata, and named typed arrays. */
export interface ArtifactContents {
  kind: string;
  version: number;
  meta: { [key: string]: JsonValue };
  sections: Record<string, SectionArray>;
}

/** A decoded artifact with the content hash it was saved with (and checked against). */
export interface LoadedArtifact extends ArtifactContents {
  contentHash: string;
}

interface SectionEntry {
  name: string;
  type: string;
  offset: number;
  length: number;
}

const MAGIC = Uint8Array.from([0x43, 0x41, 0x54, 0x45, 0x4e, 0x41, 0x00, 0x01]);
const TYPES: Record<string, new (buffer: ArrayBuffer, offset: number, length: number) => SectionArray> = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Int8Array,
  Uint8Array,
};

function bytesOf(array: SectionArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * SHA-256 (hex) of an artifact's kind, version, metadata and section bytes: equal contents give
 * equal hashes whatever the file layout.
 */
export function artifactHash(contents: ArtifactContents): string {
  const hash = createHash("sha256");
  const names = Object.keys(contents.sections).sort();
  hash.update(
    canonicalJson({
      kind: contents.kind,
      version: contents.version,
      meta: contents.meta,
      sections: names.map((n) => [n, (contents.sections[n] as SectionArray).constructor.name]),
    }),
  );
  for (const name of names) hash.update(bytesOf(contents.sections[name] as SectionArray));
  return hash.digest("hex");
}

/** Serialises an artifact to bytes; returns them with the content hash written into the header. */
export function encodeArtifact(contents: ArtifactContents): { bytes: Uint8Array; contentHash: string } {
  const contentHash = artifactHash(contents);
  const entries: SectionEntry[] = [];
  let offset = 0;
  for (const name of Object.keys(contents.sections).sort()) {
    const array = contents.sections[name] as SectionArray;
    entries.push({ name, type: array.constructor.name, offset, length: array.length });
    offset += Math.ceil(array.byteLength / 16) * 16;
  }
  const header = new TextEncoder().encode(
    JSON.stringify({
      format: "catena.artifact",
      kind: contents.kind,
      version: contents.version,
      contentHash,
      meta: contents.meta,
      sections: entries,
    }),
  );
  const start = Math.ceil((12 + header.length) / 16) * 16;
  const bytes = new Uint8Array(start + offset);
  bytes.set(MAGIC, 0);
  new DataView(bytes.buffer).setUint32(8, header.length, true);
  bytes.set(header, 12);
  for (const entry of entries)
    bytes.set(bytesOf(contents.sections[entry.name] as SectionArray), start + entry.offset);
  return { bytes, contentHash };
}

/**
 * Reads an artifact, checking its magic bytes, kind, format version and content hash. Throws an
 * `ArtifactError` naming `source` and what is wrong.
 */
export function decodeArtifact(
  bytes: Uint8Array,
  expected: {
    kind: string | readonly string[];
    versions: readonly number[];
    source?: string;
    /** The bytes are the caller's to give away: sections may be views of them instead of copies. */
    owned?: boolean;
  },
): LoadedArtifact {
  const source = expected.source ?? "artifact";
  const kinds: readonly string[] = typeof expected.kind === "string" ? [expected.kind] : expected.kind;
  const kindText = kinds.map((k) => `"${k}"`).join(" or ");
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ArtifactError(`${source} is not a Catena artifact (bad magic bytes); rebuild it.`, {
      details: { source },
    });
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  let header: {
    kind?: unknown;
    version?: unknown;
    contentHash?: unknown;
    meta?: { [key: string]: JsonValue };
    sections?: SectionEntry[];
  };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (cause) {
    throw new ArtifactError(
      `${source}: the artifact header is not valid JSON; the file is truncated or corrupt.`,
      {
        cause,
        details: { source },
      },
    );
  }
  if (typeof header.kind !== "string" || !kinds.includes(header.kind)) {
    throw new ArtifactError(
      `${source} holds a "${String(header.kind)}", not a ${kindText}; pass the right file.`,
      { details: { source, kind: header.kind, expected: expected.kind } },
    );
  }
  if (typeof header.version !== "number" || !expected.versions.includes(header.version)) {
    throw new ArtifactError(
      `${source}: ${header.kind} format version ${String(header.version)} is not supported (supported: ${expected.versions.join(", ")}); rebuild the artifact with this version of Catena.`,
      { details: { source, version: header.version, supported: expected.versions } },
    );
  }
  const start = Math.ceil((12 + headerLength) / 16) * 16;
  const sections: Record<string, SectionArray> = {};
  for (const entry of header.sections ?? []) {
    const Type = TYPES[entry.type];
    const width = Type ? (Type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT : 0;
    const from = start + entry.offset;
    if (!Type || from + entry.length * width > bytes.length) {
      throw new ArtifactError(
        `${source}: section "${entry.name}" is missing or truncated; rebuild the artifact.`,
        {
          details: { source, section: entry.name },
        },
      );
    }
    // A view when the caller hands the bytes over and they are aligned (a large file read by
    // readArtifactFile: saves copying tens of MB at load); otherwise copied into a fresh, aligned
    // buffer, as the bytes may sit at any offset of a Node Buffer. (Not `bytes.slice`: on a Node
    // Buffer that is a view, not a copy.)
    const at = bytes.byteOffset + from;
    if (expected.owned === true && at % width === 0) {
      sections[entry.name] = new Type(bytes.buffer as ArrayBuffer, at, entry.length);
    } else {
      const copy = new Uint8Array(bytes.subarray(from, from + entry.length * width));
      sections[entry.name] = new Type(copy.buffer, 0, entry.length);
    }
  }
  const contents: ArtifactContents = {
    kind: header.kind,
    version: header.version,
    meta: header.meta ?? {},
    sections,
  };
  const contentHash = artifactHash(contents);
  if (contentHash !== header.contentHash) {
    throw new ArtifactError(
      `${source} is corrupt: its content hash is ${contentHash}, its header says ${String(header.contentHash)}; rebuild it.`,
      { details: { source, contentHash, expected: header.contentHash } },
    );
  }
  return { ...contents, contentHash };
}

/** Writes an artifact file; returns its content hash. */
export function writeArtifactFile(path: string, contents: ArtifactContents): string {
  const { bytes, contentHash } = encodeArtifact(contents);
  writeFileSync(path, bytes);
  return contentHash;
}

/** Reads and checks an artifact file (see {@link decodeArtifact}). */
export function readArtifactFile(
  path: string,
  expected: { kind: string | readonly string[]; versions: readonly number[] },
): LoadedArtifact {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new ArtifactError(
      `Cannot read ${[expected.kind].flat().join(" or ")} artifact ${path}: ${(cause as Error).message}`,
      {
        cause,
        details: { path },
      },
    );
  }
  return decodeArtifact(bytes, { ...expected, source: path, owned: true });
}
