import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "langsmith";
import { afterAll, beforeAll } from "vitest";
import { type RunningStudio, type StudioOptions, startStudio } from "./start-studio.ts";

/** A studio on a free port with a fresh database, started before the file's tests and closed after. */
export interface StudioFixture {
  readonly studio: RunningStudio;
  readonly dir: string;
  /** A real SDK client pointed at the studio (one per call: each has its own batch queue). */
  client(options?: ConstructorParameters<typeof Client>[0]): Client;
  /** Restarts the studio on the same database file. */
  restart(): Promise<void>;
}

/**
 * Starts a studio for the tests of one file, with `LANGSMITH_TRACING=true` so that `traceable`
 * traces, and the deprecation warnings of `listRuns`/`readRun` silenced.
 */
export function useStudio(options: Omit<StudioOptions, "dbPath" | "port"> = {}): StudioFixture {
  let studio: RunningStudio | undefined;
  let dir = "";
  const saved = { tracing: process.env.LANGSMITH_TRACING };
  const fixture: StudioFixture = {
    get studio() {
      if (studio === undefined) throw new Error("the studio starts in beforeAll");
      return studio;
    },
    get dir() {
      return dir;
    },
    client(clientOptions = {}) {
      return new Client({ apiUrl: fixture.studio.url, apiKey: "anything", ...clientOptions });
    },
    async restart() {
      const port = fixture.studio.port;
      await fixture.studio.close();
      studio = await startStudio({ ...options, port, dbPath: join(dir, "studio.db") });
    },
  };
  beforeAll(async () => {
    process.env.LANGSMITH_TRACING = "true";
    dir = mkdtempSync(join(tmpdir(), "catena-studio-"));
    studio = await startStudio({ ...options, port: 0, dbPath: join(dir, "studio.db") });
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(dir, { recursive: true, force: true });
    if (saved.tracing === undefined) delete process.env.LANGSMITH_TRACING;
    else process.env.LANGSMITH_TRACING = saved.tracing;
  });
  return fixture;
}

/** A plain HTTP request to the studio, as a browser or curl would send it; returns status and JSON. */
export async function request(
  studio: RunningStudio,
  method: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${studio.url}${path}`, { method, ...init });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}

/** Every item of an async iterable (the SDK's list methods), in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A multipart/form-data body laid out as the SDK lays out `/runs/multipart` (no filenames, `; length=`). */
export function multipartBody(
  parts: readonly { name: string; json?: unknown; raw?: string; type?: string }[],
): {
  body: string;
  headers: Record<string, string>;
} {
  const boundary = `----LangSmithFormBoundary${Math.random().toString(36).slice(2)}`;
  let body = "";
  for (const part of parts) {
    const data = part.raw ?? JSON.stringify(part.json);
    body += `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n`;
    body += `Content-Type: ${part.type ?? "application/json"}; length=${Buffer.byteLength(data)}\r\n\r\n${data}\r\n`;
  }
  body += `--${boundary}--\r\n`;
  return { body, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}
