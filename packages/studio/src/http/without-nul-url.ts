import { NUL_REPLACEMENT } from "./parse-json-text.ts";

const encodedNul = /%00/gi;
const encodedReplacement = encodeURIComponent(NUL_REPLACEMENT);

/**
 * The request with every `%00` of its URL (path and query) replaced by the encoded
 * {@link NUL_REPLACEMENT}, as JSON bodies have theirs replaced (see `parseJsonText`): a name or
 * filter then means in a query what it means in a body, e.g. `GET /sessions?name=a%00b` finds the
 * project created as `{"name": "a\u0000b"}`, and SQLite (which reads text only up to a NUL, and
 * whose full-text queries fail on one) never sees one. Other requests are returned as they are.
 */
export function withoutNulInUrl(request: Request): Request {
  if (!request.url.includes("%00")) return request;
  const url = request.url.replace(encodedNul, encodedReplacement);
  const hasBody = request.body !== null;
  return new Request(url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    ...(hasBody ? { body: request.body, duplex: "half" } : {}),
  } as RequestInit);
}
