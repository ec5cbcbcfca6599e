import { Busboy } from "@fastify/busboy";
import { streamedBodyTooLargeError } from "../http/body-too-large-error.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";

/** One part of a multipart/form-data body: its name, media type (without parameters) and bytes. */
export interface MultipartPart {
  name: string;
  mimeType: string;
  data: Buffer;
  /** The file name the part was sent with, if any (`uploadCsv` sends one). */
  filename?: string;
}

/** A part read from a streamed body; `droppedBytes` says it was left out (its `data` is empty). */
export interface StreamedPart extends MultipartPart {
  /** Set when the part was larger than `keepBytes` (and not always kept): how many bytes it had. */
  droppedBytes?: number;
}

/** How much of a streamed multipart body is kept, and how much is read at all. */
export interface StreamLimits {
  /** A part larger than this on its own is dropped (unless `alwaysKeep` says otherwise). */
  keepBytes: number;
  /** A body longer than this is refused with a 413 (the read stops there): the cap on all kept parts. */
  maxBytes: number;
  /** Parts kept whatever their size, by name (a run's own part: dropping it would lose the run). */
  alwaysKeep?: (name: string) => boolean;
}

/**
 * Reads a multipart/form-data body as it arrives and splits it into parts (as
 * {@link parseMultipart} does). Each part is judged on its own: one larger than `keepBytes` is read
 * to its end and thrown away, and listed with its size (`droppedBytes`), so that the caller can
 * store what it carried as a marker saying why; a small part is kept however large the parts
 * before it were, and `alwaysKeep` parts are never dropped. A body past `maxBytes` is a 413 (so at
 * most that much is held); malformed multipart is a 400.
 */
export function streamMultipart(
  body: ReadableStream<Uint8Array> | null,
  contentType: string | undefined,
  limits: StreamLimits,
): Promise<StreamedPart[]> {
  if (contentType === undefined || !/^multipart\/form-data\b/i.test(contentType)) {
    return Promise.reject(
      new StudioHttpError(
        415,
        `Expected Content-Type multipart/form-data with a boundary (got ${JSON.stringify(contentType ?? null)}).`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const parts: StreamedPart[] = [];
    let failed = false;
    let finished = false;
    let pending = 0;
    const fail = (error: StudioHttpError) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    const malformed = (detail: string) => fail(new StudioHttpError(400, detail));
    const settle = () => {
      if (finished && pending === 0 && !failed) resolve(parts);
    };
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: { "content-type": contentType },
        isPartAFile: () => true,
        limits: { fieldNameSize: 1024, headerPairs: 100 },
      });
    } catch (error) {
      malformed(
        `Malformed multipart body: ${(error as Error).message}. Send multipart/form-data; boundary=<boundary>.`,
      );
      return;
    }
    parser.on("file", (name, stream, filename, _encoding, mimeType) => {
      pending++;
      const keepAll = limits.alwaysKeep?.(name) ?? false;
      let chunks: Buffer[] | undefined = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (chunks !== undefined && !keepAll && size > limits.keepBytes) {
          chunks = undefined; // over the limit: read on, keep nothing of this part
        }
        chunks?.push(chunk);
      });
      stream.on("error", (error: Error) =>
        malformed(`Malformed multipart part "${name}": ${error.message}.`),
      );
      stream.on("end", () => {
        pending--;
        const part: StreamedPart =
          chunks === undefined
            ? { name, mimeType, data: Buffer.alloc(0), droppedBytes: size }
            : { name, mimeType, data: Buffer.concat(chunks) };
        if (filename !== undefined && filename !== "") part.filename = filename;
        parts.push(part);
        settle();
      });
    });
    parser.on("error", (error: unknown) =>
      malformed(
        `Malformed multipart body: ${(error as Error).message}. Each part needs a Content-Disposition with a name, and the body must end with --boundary--.`,
      ),
    );
    parser.on("finish", () => {
      finished = true;
      settle();
    });
    void pump(body, parser, limits.maxBytes, () => failed).catch((error: unknown) => {
      if (error instanceof StudioHttpError) fail(error);
      else malformed(`The request body could not be read: ${(error as Error).message}.`);
    });
  });
}

// Feeds the body to the parser. Once the parse has failed (the answer is on its way) the rest of
// the body is still read, and dropped, so that the connection is left at a request boundary.
async function pump(
  body: ReadableStream<Uint8Array> | null,
  parser: ReturnType<typeof Busboy>,
  maxBytes: number,
  failed: () => boolean,
): Promise<void> {
  let read = 0;
  if (body !== null) {
    for await (const chunk of body) {
      read += chunk.byteLength;
      if (read > maxBytes) {
        throw streamedBodyTooLargeError("POST /runs/multipart", maxBytes);
      }
      if (failed()) continue;
      if (!parser.write(chunk)) await drained(parser);
    }
  }
  if (!failed()) parser.end();
}

// Waits until the parser takes more, or fails (then it never drains).
function drained(parser: ReturnType<typeof Busboy>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      parser.off("drain", done);
      parser.off("error", done);
      resolve();
    };
    parser.on("drain", done);
    parser.on("error", done);
  });
}
