import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio({ apiKey: "secret-key" });

describe("presigned feedback tokens", () => {
  it("lets an end user without the API key give feedback through the token URL, until it expires", async () => {
    const client = fixture.client({ apiKey: "secret-key" });
    const runId = crypto.randomUUID();
    const token = await client.createPresignedFeedbackToken(runId, "thumbs");
    expect(token.url).toBe(`${fixture.studio.url}/feedback/tokens/${token.id}`);
    expect(Date.parse(token.expires_at) - Date.now()).toBeGreaterThan(2.9 * 3600_000);

    // What a browser app does: no x-api-key, JSON body, then the GET form with query parameters.
    const posted = await request(fixture.studio, "POST", new URL(token.url).pathname, {
      body: JSON.stringify({ score: 1, comment: "via token", metadata: { page: "/chat" } }),
      headers: { "content-type": "application/json" },
    });
    expect(posted).toEqual({ status: 200, body: {} });
    const viaGet = await request(fixture.studio, "GET", `${new URL(token.url).pathname}?score=0&comment=meh`);
    expect(viaGet.status).toBe(200);

    const feedback = await collect(client.listFeedback({ runIds: [runId] }));
    expect(feedback.map((f) => [f.key, f.score, f.comment, f.feedback_source?.type])).toEqual([
      ["thumbs", 1, "via token", "app"],
      ["thumbs", 0, "meh", "app"],
    ]);
    const listed = await request(fixture.studio, "GET", `/feedback/tokens?run_id=${runId}`, {
      headers: { "x-api-key": "secret-key" },
    });
    expect(listed.body).toMatchObject([{ id: token.id, url: token.url }]);
  });

  it("refuses an expired token with 410 and an unknown one with 404, saying what to do", async () => {
    const client = fixture.client({ apiKey: "secret-key" });
    const expired = await client.createPresignedFeedbackToken(crypto.randomUUID(), "thumbs");
    // Time passes: the token's expiry is now behind us (a token cannot be created expired).
    const db = new DatabaseSync(join(fixture.dir, "studio.db"));
    db.prepare("UPDATE feedback_tokens SET expires_at = ? WHERE id = ?").run(
      "2020-01-01T00:00:00.000000Z",
      expired.id,
    );
    db.close();
    const gone = await request(fixture.studio, "POST", new URL(expired.url).pathname, {
      body: JSON.stringify({ score: 1 }),
      headers: { "content-type": "application/json" },
    });
    expect(gone.status).toBe(410);
    expect((gone.body as { detail: string }).detail).toMatch(
      /expired .* ask the app for a new feedback link/,
    );

    const unknown = await request(fixture.studio, "GET", `/feedback/tokens/${crypto.randomUUID()}?score=1`);
    expect(unknown.status).toBe(404);
    expect((unknown.body as { detail: string }).detail).toMatch(/not found/);
  });

  it("refuses a token that would be born expired, and a token request that carries no feedback", async () => {
    const client = fixture.client({ apiKey: "secret-key" });
    const runId = crypto.randomUUID();
    await expect(
      client.createPresignedFeedbackToken(runId, "thumbs", {
        expiration: new Date(Date.now() - 1000).toISOString(),
      }),
    ).rejects.toThrow(/422.*not in the future/s);
    await expect(
      client.createPresignedFeedbackToken(runId, "thumbs", { expiration: { hours: -1 } }),
    ).rejects.toThrow(/422.*not in the future/s);

    const token = await client.createPresignedFeedbackToken(runId, "thumbs");
    const path = new URL(token.url).pathname;
    // A chat app's link preview fetches the URL with no parameters: nothing may be stored.
    const bare = await request(fixture.studio, "GET", path);
    expect(bare.status).toBe(422);
    expect((bare.body as { detail: string }).detail).toMatch(/needs a score, value, comment or correction/);
    const empty = await request(fixture.studio, "POST", path, {
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(empty.status).toBe(422);
    expect(await collect(client.listFeedback({ runIds: [runId] }))).toEqual([]);
    expect((await request(fixture.studio, "GET", `${path}?comment=ok`)).status).toBe(200);
    expect((await collect(client.listFeedback({ runIds: [runId] }))).map((f) => f.comment)).toEqual(["ok"]);
  });

  it("requires the API key everywhere else", async () => {
    const without = await request(fixture.studio, "POST", "/feedback/tokens", {
      body: JSON.stringify({ run_id: crypto.randomUUID(), feedback_key: "k" }),
      headers: { "content-type": "application/json" },
    });
    expect(without.status).toBe(401);
    const wrong = await request(fixture.studio, "GET", "/sessions", { headers: { "x-api-key": "nope" } });
    expect(wrong.status).toBe(401);
    expect((wrong.body as { detail: string }).detail).toMatch(/x-api-key/);
    const sdk = fixture.client({ apiKey: "wrong" });
    await expect(sdk.readProject({ projectName: "default" })).rejects.toThrow(/401|Unauthorized|x-api-key/i);
  });
});
