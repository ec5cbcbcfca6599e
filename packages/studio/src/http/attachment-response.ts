import type { Context } from "hono";

/** A stored file: its media type as the uploader gave it, and its bytes. */
export interface StoredFile {
  mimeType: string;
  data: Uint8Array;
}

// A media type as RFC 9110 spells it (type/subtype, parameters); anything else is served as bytes.
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"]*"|[\w!#$&^.+-]+))*$/;

/**
 * Answers with a stored attachment so that no browser ever renders it on the studio's origin: it
 * is a download (`Content-Disposition: attachment`), its type is never sniffed (`nosniff`), and
 * should a browser render it anyway, a `sandbox` CSP gives it a unique origin with no scripts, so
 * a planted HTML page cannot read the traces. The uploader's media type is kept, for clients.
 */
export function attachmentResponse(c: Context, name: string, file: StoredFile): Response {
  const type = MEDIA_TYPE.test(file.mimeType) ? file.mimeType : "application/octet-stream";
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return c.body(new Uint8Array(file.data), 200, {
    "content-type": type,
    "content-disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
    "cache-control": "private, no-store",
  });
}
