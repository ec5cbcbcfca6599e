import { type MultipartPart, streamMultipart } from "./stream-multipart.ts";

export type { MultipartPart } from "./stream-multipart.ts";

/**
 * Splits a multipart/form-data body held in memory into its parts, as {@link streamMultipart}
 * does with a streamed one, keeping every part whatever its size (the route's body limit has
 * bounded the whole already). Every part is read as bytes (the SDK sends JSON parts without a
 * filename and binary attachments alike), so nothing is decoded or truncated on the way. A body
 * that is not well-formed multipart is a 400 naming the problem, another media type a 415.
 */
export function parseMultipart(body: Uint8Array, contentType: string | undefined): Promise<MultipartPart[]> {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(body);
      controller.close();
    },
  });
  // Without a size limit nothing is dropped: every part comes back with its bytes.
  return streamMultipart(stream, contentType, {
    keepBytes: Number.POSITIVE_INFINITY,
    maxBytes: Number.POSITIVE_INFINITY,
  });
}
