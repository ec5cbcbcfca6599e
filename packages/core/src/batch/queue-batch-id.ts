import { createHash, randomUUID } from "node:crypto";
import { resolve } from "node:path";
import type { BatchIdentity } from "./batch-identity.ts";

/**
 * The default id of a batch on a queue: a digest of the chain (name, version, fingerprint), the
 * input digest and the results file's absolute path. The same batch resumed with the same results
 * file gets the same id, so it finds the items it left on the queue; another results file is
 * another batch. Without a results file there is nothing to resume: the id is random.
 */
export function queueBatchId(identity: BatchIdentity, checkpoint: string | undefined): string {
  if (checkpoint === undefined) return randomUUID().replaceAll("-", "").slice(0, 16);
  const hash = createHash("sha256");
  for (const part of [
    identity.chain,
    identity.version,
    identity.fingerprint,
    identity.inputDigest ?? "",
    resolve(checkpoint),
  ])
    hash.update(`${part}\n`);
  return hash.digest("hex").slice(0, 16);
}
