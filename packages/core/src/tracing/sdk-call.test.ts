import { describe, expect, it } from "vitest";
import { backendError, refusalDetail } from "./sdk-call.ts";

// The message the langsmith SDK throws for an HTTP error (its raiseForStatus).
const sdkError = (status: number, body: string) =>
  new Error(`Failed to create feedback. Received status [${status}]: Unprocessable Entity. Message: ${body}`);

describe("backendError", () => {
  it("gives a refused request the backend's own detail and says it was refused, not unreachable", () => {
    const error = backendError(
      sdkError(422, '{"detail":"score 9 is outside 1–5"}'),
      "http://s",
      "give feedback",
    );
    expect(error).toMatchObject({ code: "TRACING_UNAVAILABLE", details: { status: 422 } });
    expect(error.message).toBe(
      "Could not give feedback on http://s: score 9 is outside 1–5; the backend refused the request (HTTP 422): fix what it names.",
    );
  });

  it("still points at the endpoint for a server error or no answer", () => {
    const error = backendError(sdkError(500, '{"detail":"boom"}'), "http://s", "list runs");
    expect(error.message).toMatch(/Received status \[500\].*check that the backend runs there/);
    expect(backendError(new TypeError("fetch failed"), "http://s", "list runs").message).toMatch(
      /is reachable/,
    );
  });
});

describe("refusalDetail", () => {
  it("reads the detail of a 4xx JSON body, and nothing else", () => {
    expect(refusalDetail(sdkError(409, '{"detail":"name taken"}'))).toBe("name taken");
    expect(refusalDetail(sdkError(422, "not json"))).toBeUndefined();
    expect(refusalDetail(sdkError(404, '{"detail":"no run"}'))).toBeUndefined();
    expect(refusalDetail("text")).toBeUndefined();
    // The resource clients' APIError keeps the parsed body.
    const apiError = Object.assign(new Error('422 {"detail":"bad time"}'), {
      status: 422,
      error: { detail: "bad time" },
    });
    expect(refusalDetail(apiError)).toBe("bad time");
  });
});
