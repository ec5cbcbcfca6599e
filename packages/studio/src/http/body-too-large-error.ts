import { MAX_BODY_ENV } from "../multipart/dropped-part-marker.ts";
import { StudioHttpError } from "./studio-http-error.ts";

const MIB = 1024 * 1024;

/**
 * The 413 of a request whose body is over the studio's limit, in the studio's JSON error shape:
 * `{ "code": "body-too-large", "detail": ..., "limit_bytes", "limit_mb", "setting":
 * "CATENA_STUDIO_MAX_BODY_MB", "content_length"? }`. The detail names the request, the limit and
 * the setting that raises it, with a value that would have taken the body when its size is known
 * (the SDK prints the detail: it is all a user sees of runs that were not stored).
 *
 * @param request e.g. `POST /runs/batch`.
 * @param limitBytes the limit the body went past.
 * @param contentLength the body's declared size, when the client sent one.
 */
export function bodyTooLargeError(
  request: string,
  limitBytes: number,
  contentLength?: number,
): StudioHttpError {
  const limitMb = Math.round((limitBytes / MIB) * 100) / 100;
  const known = contentLength !== undefined && Number.isFinite(contentLength) && contentLength > limitBytes;
  // In steps of 16 MiB, above both the body and the limit now.
  const needed = known
    ? Math.ceil((contentLength + MIB) / MIB / 16) * 16
    : Math.floor(limitBytes / MIB / 16) * 16 + 16;
  const size = known ? `a body of ${(contentLength / MIB).toFixed(1)} MiB` : "a body";
  return new StudioHttpError(
    413,
    `${request} sent ${size}, over the studio's limit of ${limitMb} MiB (${limitBytes} bytes); nothing of it was stored. ` +
      `Send smaller batches, or start the studio with ${MAX_BODY_ENV}=${needed} (startStudio({ bodyLimitBytes })).`,
    {
      code: "body-too-large",
      limit_bytes: limitBytes,
      limit_mb: limitMb,
      setting: MAX_BODY_ENV,
      ...(known ? { content_length: contentLength } : {}),
    },
  );
}

/**
 * The 413 of a trace upload (`POST /runs/multipart`, read as it arrives) past the most the studio
 * reads of one: same shape as {@link bodyTooLargeError}, but its detail does not ask for a body limit
 * of over a GiB (every request could then hold that much): the trace is what to make smaller.
 *
 * @param maxBytes the most the studio reads of one upload.
 */
export function streamedBodyTooLargeError(request: string, maxBytes: number): StudioHttpError {
  const limitMb = Math.round((maxBytes / MIB) * 100) / 100;
  return new StudioHttpError(
    413,
    `${request} sent more than ${limitMb} MiB (${maxBytes} bytes), the most the studio reads of one trace upload; nothing of it was stored. ` +
      "Send smaller traces, or split large attachments over several runs: a part over the body limit is dropped on its own, but the whole upload is read.",
    { code: "body-too-large", limit_bytes: maxBytes, limit_mb: limitMb, setting: MAX_BODY_ENV },
  );
}
