import { Busboy } from "@fastify/busboy";
import { StudioHttpError } from "../http/studio-http-error.ts";

/** One part of a multipart/form-data body: its name, media type (without parameters) and bytes. */
export interface MultipartPart {
  name: string;
  mimeType: string;
  data: Buffer;
  /** The file name the part was sent with, if any (`uploadCsv` sends one). */
  filename?: string;
}

/**
 * Splits a multipart/form-data body into its parts with busboy. Every part is read as bytes (the
 * SDK sends JSON parts without a filename and binary attachments alike), so nothing is decoded or
 * truncated on the way. A body that is not well-formed multipart is a 400 naming the problem.
 */
export function parseMultipart(body: Uint8Array, contentType: string | undefined): Promise<MultipartPart[]> {
  if (contentType === undefined || !/^multipart\/form-data\b/i.test(contentType)) {
    return Promise.reject(
      new StudioHttpError(
        415,
        `Expected Content-Type multipart/form-data with a boundary (got ${JSON.stringify(contentType ?? null)}).`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const parts: MultipartPart[] = [];
    let pending = 0;
    let finished = false;
    let failed = false;
    const fail = (detail: string) => {
      if (failed) return;
      failed = true;
      reject(new StudioHttpError(400, detail));
    };
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
      fail(
        `Malformed multipart body: ${(error as Error).message}. Send multipart/form-data; boundary=<boundary>.`,
      );
      return;
    }
    parser.on("file", (name, stream, filename, _encoding, mimeType) => {
      pending++;
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", (error: Error) => fail(`Malformed multipart part "${name}": ${error.message}.`));
      stream.on("end", () => {
        pending--;
        const part: MultipartPart = { name, mimeType, data: Buffer.concat(chunks) };
        if (filename !== undefined && filename !== "") part.filename = filename;
        parts.push(part);
        settle();
      });
    });
    parser.on("error", (error: unknown) =>
      fail(
        `Malformed multipart body: ${(error as Error).message}. Each part needs a Content-Disposition with a name, and the body must end with --boundary--.`,
      ),
    );
    parser.on("finish", () => {
      finished = true;
      settle();
    });
    parser.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
}
