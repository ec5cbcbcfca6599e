import { describe, expect, it } from "vitest";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { IngestRefusals } from "../ingest-refusals.ts";
import { streamMultipart } from "./stream-multipart.ts";

const boundary = "b0undary";

/** A trace upload of one 4 KiB part, sent in 1 KiB chunks. */
function upload(): ReadableStream<Uint8Array> {
  const body = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="post.r1"\r\nContent-Type: application/json\r\n\r\n` +
      `{"id":"r1","inputs":"${"x".repeat(4096)}"}\r\n--${boundary}--\r\n`,
  );
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= body.length) return controller.close();
      controller.enqueue(body.slice(at, at + 1024));
      at += 1024;
    },
  });
}

describe("a trace upload past the most the studio reads of one", () => {
  it("is a 413 that says to send smaller traces, not to raise the body limit past it", async () => {
    const refused = streamMultipart(upload(), `multipart/form-data; boundary=${boundary}`, {
      keepBytes: 1024,
      maxBytes: 2048,
      alwaysKeep: () => false,
    });
    const error = await refused.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StudioHttpError);
    const http = error as StudioHttpError;
    expect(http.status).toBe(413);
    expect(http.code).toBe("body-too-large");
    expect(http.details).toMatchObject({ limit_bytes: 2048 });
    expect(http.message).toMatch(/^POST \/runs\/multipart sent more than .* Send smaller traces/);
    expect(http.message).not.toMatch(/CATENA_STUDIO_MAX_BODY_MB=/);
  });

  it("is logged once with its route, and an update refused whole says the update was not stored", () => {
    const lines: string[] = [];
    const refusals = new IngestRefusals((line) => lines.push(line));
    refusals.refusedBody("POST /runs/multipart", "POST /runs/multipart sent more than 1024 MiB");
    refusals.refusedBody("PATCH /runs/r1", "PATCH /runs/r1 sent a body of 9.0 MiB");
    expect(lines).toEqual([
      "catena studio: refused the whole request, its runs were not stored: POST /runs/multipart sent more than 1024 MiB",
      "catena studio: refused the whole request, the update was not stored: PATCH /runs/r1 sent a body of 9.0 MiB",
    ]);
    expect(refusals.summary().refused.count).toBe(2);
  });
});
