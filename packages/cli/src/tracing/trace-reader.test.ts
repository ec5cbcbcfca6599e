import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTraceReader } from "./trace-reader.ts";

const ENV = [
  "LANGSMITH_API_KEY",
  "LANGCHAIN_API_KEY",
  "CATENA_STUDIO_URL",
  "CATENA_STUDIO_API_KEY",
  "CATENA_STUDIO_DB",
];
let saved: Record<string, string | undefined>;
let dir: string;

beforeEach(() => {
  saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
  for (const name of ENV) delete process.env[name];
  dir = mkdtempSync(join(tmpdir(), "catena-reader-"));
  process.env.CATENA_STUDIO_DB = join(dir, "studio.db");
});

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("openTraceReader", () => {
  it("closes the local studio once, however often asked: a Ctrl-C during the close waits for it", async () => {
    const reader = await openTraceReader();
    expect(reader.where).toContain("studio.db");
    const first = reader.close();
    // The signal handler's close, while the command's own is under way.
    const second = reader.close();
    expect(second).toBe(first);
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    // And after it: still the same settled close, not an error from closing a closed studio.
    await expect(reader.close()).resolves.toBeUndefined();
  });
});
