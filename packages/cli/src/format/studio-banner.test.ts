import { describe, expect, it } from "vitest";
import { studioBanner } from "./studio-banner.ts";

describe("studioBanner", () => {
  it("gives the SDK everything it needs to trace: traceable sends nothing without LANGSMITH_TRACING=true", () => {
    const text = studioBanner({ url: "http://127.0.0.1:1984", dbPath: "/tmp/s.db", keyed: false });
    expect(text).toContain(
      "  point the SDK at it: LANGSMITH_TRACING=true LANGSMITH_ENDPOINT=http://127.0.0.1:1984 LANGSMITH_API_KEY=local\n",
    );
  });

  it("names the studio's own key when it requires one, without printing it", () => {
    const text = studioBanner({ url: "http://10.0.0.5:1984", dbPath: "/tmp/s.db", keyed: true });
    expect(text).toContain('LANGSMITH_API_KEY="$CATENA_STUDIO_API_KEY"\n');
    expect(text).not.toContain("=local");
  });
});
