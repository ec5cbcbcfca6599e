import { createHash } from "node:crypto";
import type { AnyChain } from "../compile/chain.ts";

/** What a batch results file belongs to: the chain (name, version, fingerprint) and its input. */
export interface BatchIdentity {
  chain: string;
  version: string;
  fingerprint: string;
  /** A digest of the whole input, e.g. `sha256:<hex>` of the input file; absent when unknown. */
  inputDigest?: string;
  /** Where the input came from (a file path), for messages only: a renamed file still matches. */
  inputSource?: string;
}

/** The first line of a results file: marks it as one and records its {@link BatchIdentity}. */
export interface ResultsHeader {
  catena: "batch-results";
  format: 1;
  chain: string;
  version: string;
  fingerprint: string;
  input: { digest: string; source?: string } | null;
  createdAt: string;
}

/** One way a results file and a resumed batch differ. */
export interface ResumeMismatch {
  /** `header` when the file has none (written before results files had headers). */
  field: "chain" | "version" | "fingerprint" | "input" | "header";
  /** What the results file says (null: nothing). */
  file: string | null;
  /** What this batch has. */
  now: string;
}

/** The header line written at the top of a new results file. */
export function resultsHeader(identity: BatchIdentity): ResultsHeader {
  const input =
    identity.inputDigest === undefined
      ? null
      : {
          digest: identity.inputDigest,
          ...(identity.inputSource === undefined ? {} : { source: identity.inputSource }),
        };
  return {
    catena: "batch-results",
    format: 1,
    chain: identity.chain,
    version: identity.version,
    fingerprint: identity.fingerprint,
    input,
    createdAt: new Date().toISOString(),
  };
}

/** True when a parsed results-file line is a {@link ResultsHeader}. */
export function isResultsHeader(value: unknown): value is ResultsHeader {
  return (
    typeof value === "object" && value !== null && (value as { catena?: unknown }).catena === "batch-results"
  );
}

/**
 * How a results file's header differs from this batch: chain, version, fingerprint, and the input
 * digest when both sides know it (an input given as an async iterable without `inputDigest` is not
 * checked). Empty when the batch may resume the file.
 */
export function identityMismatches(header: ResultsHeader, identity: BatchIdentity): ResumeMismatch[] {
  const out: ResumeMismatch[] = [];
  if (header.chain !== identity.chain) out.push({ field: "chain", file: header.chain, now: identity.chain });
  if (header.version !== identity.version)
    out.push({ field: "version", file: header.version, now: identity.version });
  else if (out.length === 0 && header.fingerprint !== identity.fingerprint)
    // A new fingerprint under the same version: the chain changed without a version bump.
    out.push({ field: "fingerprint", file: header.fingerprint, now: identity.fingerprint });
  const digest = header.input?.digest;
  if (digest !== undefined && identity.inputDigest !== undefined && digest !== identity.inputDigest) {
    out.push({ field: "input", file: describeInput(header.input), now: describeInput(identity) });
  }
  return out;
}

function describeInput(
  input: { digest?: string; source?: string; inputDigest?: string; inputSource?: string } | null,
): string {
  const digest = input?.digest ?? input?.inputDigest ?? "?";
  const source = input?.source ?? input?.inputSource;
  const short = digest.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]*$/, "$1$2");
  return source === undefined ? short : `${source} (${short})`;
}

/**
 * A digest of inputs given as an array: SHA-256 over each item's JSON, one per line. Two runs over
 * equal arrays get the same digest, so a resume can tell that it reads the same inputs.
 */
export function digestOfArray(inputs: readonly unknown[]): string {
  const hash = createHash("sha256");
  // Lines are hashed ~64 KiB at a time (the digest of the same bytes): one `update` per item cost
  // more than the JSON of a small item.
  let chunk = "";
  for (const item of inputs) {
    chunk += `${JSON.stringify(item) ?? "null"}\n`;
    if (chunk.length >= 65_536) {
      hash.update(chunk);
      chunk = "";
    }
  }
  hash.update(chunk);
  return `sha256:${hash.digest("hex")}`;
}

/**
 * What a batch's checkpoint records about it, and checks on resume: the chain, and a digest of
 * the input (the one given, or one of an array's JSON; other iterables have none without it).
 */
export function batchIdentity(
  chain: AnyChain,
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  options: { inputDigest?: string; inputSource?: string },
): BatchIdentity {
  const identity: BatchIdentity = {
    chain: chain.name,
    version: chain.version,
    fingerprint: chain.fingerprint,
  };
  const digest = options.inputDigest ?? (Array.isArray(inputs) ? digestOfArray(inputs) : undefined);
  if (digest !== undefined) identity.inputDigest = digest;
  if (options.inputSource !== undefined) identity.inputSource = options.inputSource;
  return identity;
}
