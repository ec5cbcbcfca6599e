import { describe, expect, it } from "vitest";
import { newRunId } from "./run-id.ts";

describe("newRunId", () => {
  it("makes RFC 9562 UUIDv7 ids carrying the start time", () => {
    const now = Date.UTC(2026, 10, 27, 23, 8, 58, 602);
    const id = newRunId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(now);
  });

  it("sorts by time and does not repeat", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newRunId(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const same = Array.from({ length: 2000 }, () => newRunId(1_700_000_000_000));
    expect(new Set(same).size).toBe(same.length);
  });

  it("keeps the format and stays unique across the growing pools (32, 64, … 4,096 ids per refill)", () => {
    const ids = Array.from({ length: 12_000 }, () => newRunId(1_700_000_000_000));
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
