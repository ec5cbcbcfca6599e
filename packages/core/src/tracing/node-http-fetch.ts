import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import type { Agent as HttpsAgent } from "node:https";

/**
 * A `fetch` for the SDK client's uploads that sends requests whose body is text or bytes through
 * `node:http` with kept-alive connections: Node's own `fetch` (undici) passes every body through
 * web streams and costs about three times the CPU per upload (bench/tracing). Other bodies
 * (multipart forms, blobs, streams) go to the global `fetch`. Like undici, a request that cannot
 * be sent rejects with `TypeError("fetch failed")` whose `cause` is the socket error.
 */
export class NodeHttpFetch {
  private readonly http = new HttpAgent({ keepAlive: true });
  /** Loaded with the first `https:` request: TLS is not needed for a local studio. */
  private https: { agent: HttpsAgent; request: typeof httpRequest } | undefined;

  /** The fetch to hand to the SDK (directly or through `GuardedFetch`). */
  readonly fetch: typeof fetch = async (input, init) => {
    const body = init?.body;
    if (!(body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array)) {
      return fetch(input, init);
    }
    if (input instanceof Request) return fetch(input, init);
    const url = typeof input === "string" ? new URL(input) : input;
    const https = url.protocol === "https:" ? await this.httpsModule() : undefined;
    const headers = headerRecord(init?.headers);
    if (body !== undefined && body !== null) headers["content-length"] = String(Buffer.byteLength(body));
    return new Promise<Response>((resolve, reject) => {
      const signal = init?.signal ?? undefined;
      const req = (https?.request ?? httpRequest)(
        url,
        {
          method: init?.method ?? "GET",
          headers,
          agent: https?.agent ?? this.http,
          ...(signal === undefined ? {} : { signal }),
        },
        (res) => {
          readResponse(res).then(resolve, (error: unknown) => reject(failed(error, signal)));
        },
      );
      req.on("error", (error) => reject(failed(error, signal)));
      req.end(body ?? undefined);
    });
  };

  /** Closes the kept-alive connections. */
  close(): void {
    this.http.destroy();
    this.https?.agent.destroy();
  }

  private async httpsModule(): Promise<{ agent: HttpsAgent; request: typeof httpRequest }> {
    if (this.https === undefined) {
      const { Agent, request } = await import("node:https");
      this.https = { agent: new Agent({ keepAlive: true }), request };
    }
    return this.https;
  }
}

async function readResponse(res: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const status = res.statusCode ?? 502;
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  // A Response cannot carry a body with these statuses.
  const empty = status === 204 || status === 205 || status === 304;
  return new Response(empty ? null : Buffer.concat(chunks), {
    status,
    statusText: res.statusMessage ?? "",
    headers,
  });
}

function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(new Headers(headers));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = String(value);
  return out;
}

/** The error fetch would give: the signal's reason when aborted, else "fetch failed" with the cause. */
function failed(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  return new TypeError("fetch failed", { cause: error });
}
