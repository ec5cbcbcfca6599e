import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/**
 * `sha256:<hex>` of a file's bytes, streamed: recorded in a batch results file's header so that a
 * resume can tell whether it reads the same input.
 */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}
