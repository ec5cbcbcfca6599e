/** Where the page keeps the studio's API key between visits (this browser only). */
export const API_KEY_STORAGE = "catena.studio.apiKey";

/** An answer of the studio that was not 2xx: its status and the `detail` the studio gave. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, detail: string, body: unknown) {
    super(detail);
    this.status = status;
    this.body = body;
  }
}

const keyListeners = new Set<() => void>();

/** Calls `listener` whenever the studio refused the key (or wants one): the page then asks for it. */
export function onApiKeyNeeded(listener: () => void): () => void {
  keyListeners.add(listener);
  return () => keyListeners.delete(listener);
}

/** Remembers the key for the next requests. */
export function saveApiKey(key: string): void {
  localStorage.setItem(API_KEY_STORAGE, key);
}

/**
 * A JSON request to the studio's API on this origin, with the API key when one was given. A 401
 * asks the page for the key; other refusals throw an {@link ApiError} with the studio's `detail`.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const key = localStorage.getItem(API_KEY_STORAGE);
  if (key !== null && key !== "") headers["x-api-key"] = key;
  const request: RequestInit = { method: init.method ?? "GET", headers };
  if (init.body !== undefined) {
    headers["content-type"] = "application/json";
    request.body = JSON.stringify(init.body);
  }
  const response = await fetch(path, request);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!response.ok) {
    if (response.status === 401) for (const listener of keyListeners) listener();
    const detail =
      typeof body === "object" && body !== null && "detail" in body
        ? String(body.detail)
        : response.statusText;
    throw new ApiError(response.status, detail, body);
  }
  return body as T;
}
