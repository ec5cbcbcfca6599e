import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { request, useStudio } from "./studio-fixture.case.ts";

const fixture = useStudio();

interface Endpoint {
  method: string;
  path: string;
}

/** Every endpoint the installed SDK's resource clients call, read from their source. */
function sdkEndpoints(): Endpoint[] {
  const root = join(dirname(createRequire(import.meta.url).resolve("langsmith")), "resources");
  const out = new Map<string, Endpoint>();
  const files = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".mjs"));
  for (const file of files) {
    const source = readFileSync(join(root, file), "utf8");
    const call = /this\._client\.(get|post|put|patch|delete|getAPIList)\((?:path\s*)?[`'"]([^`'"]+)[`'"]/g;
    for (const match of source.matchAll(call)) {
      const [, verb = "", raw = ""] = match;
      const after = source.slice(match.index, match.index + 300);
      const method =
        verb === "getAPIList" ? (/method: 'post'/.test(after) ? "POST" : "GET") : verb.toUpperCase();
      const path = raw.replace(/\$\{[^}]+\}/g, "{}");
      out.set(`${method} ${path}`, { method, path });
    }
  }
  return [...out.values()];
}

/** The rows of the README's coverage table: each endpoint with whether it is served. */
function readmeRows(): { served: boolean; endpoint: Endpoint }[] {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## LangSmith API coverage"));
  const rows: { served: boolean; endpoint: Endpoint }[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const status = cells[2];
    if (status !== "served" && status !== "not served") continue;
    for (const [, method = "", path = ""] of (cells[3] ?? "").matchAll(/`(\*|[A-Z]+) ([^`]+)`/g)) {
      rows.push({ served: status === "served", endpoint: { method, path } });
    }
  }
  return rows;
}

function covers(row: Endpoint, endpoint: Endpoint): boolean {
  if (row.method === "*") return endpoint.path.startsWith(row.path.replace(/\*$/, ""));
  return row.method === endpoint.method && row.path === endpoint.path;
}

describe("the README's LangSmith API coverage table", () => {
  const rows = readmeRows();

  it("lists every endpoint the SDK's resource clients call", () => {
    const endpoints = sdkEndpoints();
    // The SDK 0.12 clients call about a hundred endpoints; far fewer means the scan broke.
    expect(endpoints.length).toBeGreaterThan(80);
    expect(rows.filter((r) => r.served).length).toBeGreaterThan(40);
    const missing = endpoints
      .filter((e) => !rows.some((r) => covers(r.endpoint, e)))
      .map((e) => `${e.method} ${e.path}`);
    expect(missing).toEqual([]);
  });

  it("is honest: served endpoints answer, the others are a 404 or 501 and never crash", async () => {
    const wrong: string[] = [];
    for (const { served, endpoint } of rows) {
      const path = endpoint.path.replace(/\{\}/g, () => randomUUID()).replace(/\*$/, "/x");
      const method = endpoint.method === "*" ? "GET" : endpoint.method;
      const init: RequestInit =
        method === "GET" || method === "DELETE"
          ? { method }
          : { method, headers: { "content-type": "application/json" }, body: "{}" };
      const answer = await request(fixture.studio, method, path, init);
      const detail = String((answer.body as { detail?: unknown } | null)?.detail ?? "");
      const unrouted = answer.status === 404 && detail.startsWith("No endpoint");
      if (answer.status >= 500 && answer.status !== 501)
        wrong.push(`${method} ${path}: crashed (${answer.status})`);
      else if (served && unrouted) wrong.push(`${method} ${path}: listed as served, but not routed`);
      else if (!served && answer.status !== 404 && answer.status !== 501) {
        wrong.push(`${method} ${path}: listed as not served, but answered ${answer.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
