import { describe, expect, it } from "vitest";
import { parseDatasetSpec } from "./dataset-spec.ts";
import { remoteExampleId } from "./example-content.ts";

describe("parseDatasetSpec", () => {
  it("splits a version tag or time off the last @", () => {
    expect(parseDatasetSpec("banking")).toEqual({ name: "banking" });
    expect(parseDatasetSpec("banking@prod")).toEqual({ name: "banking", asOf: "prod" });
    expect(parseDatasetSpec("team@x@2026-05-01T00:00:00Z")).toEqual({
      name: "team@x",
      asOf: "2026-05-01T00:00:00Z",
    });
    expect(parseDatasetSpec("@odd")).toEqual({ name: "@odd" });
    expect(parseDatasetSpec("trailing@")).toEqual({ name: "trailing@" });
  });
});

describe("remoteExampleId", () => {
  it("is a UUID v5, the same for the same dataset and local id, different across datasets", () => {
    const a = "0190f5a2-7a6b-7c3d-8e9f-0123456789ab";
    const b = "0190f5a2-7a6b-7c3d-8e9f-0123456789ac";
    const id = remoteExampleId(a, "3f2a9c0d1e4b5a6c");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(remoteExampleId(a, "3f2a9c0d1e4b5a6c")).toBe(id);
    expect(remoteExampleId(b, "3f2a9c0d1e4b5a6c")).not.toBe(id);
    expect(remoteExampleId(a, "other")).not.toBe(id);
  });
});
