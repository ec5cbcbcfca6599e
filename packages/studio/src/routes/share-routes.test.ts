import { RunTree } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { request, useStudio } from "../studio-fixture.case.ts";

const KEY = "share-secret";
const fixture = useStudio({ apiKey: KEY });
const PROJECT = "share-proj";

describe("sharing runs and threads through the SDK", () => {
  let root = "";
  let child = "";
  let other = "";
  let projectId = "";

  beforeAll(async () => {
    const client = fixture.client({ apiKey: KEY });
    const make = async (thread: string) => {
      const tree = new RunTree({
        name: "shared",
        inputs: { q: 1 },
        project_name: PROJECT,
        client,
        metadata: { conversation_id: thread },
      });
      const leaf = tree.createChild({ name: "leaf", run_type: "tool", inputs: {} });
      await tree.postRun();
      await leaf.postRun();
      await leaf.end({ ok: true });
      await leaf.patchRun();
      await tree.end({ done: true });
      await tree.patchRun();
      return [tree.id, leaf.id] as const;
    };
    [root, child] = await make("t-1");
    [other] = await make("t-2");
    await client.awaitPendingTraceBatches();
    projectId = (await client.readProject({ projectName: PROJECT })).id;
  });

  it("shareRun gives a public link whose token reads the trace without the key, and nothing else", async () => {
    const client = fixture.client({ apiKey: KEY });
    const link = await client.shareRun(root);
    const token = /\/public\/([0-9a-f-]+)\/r$/.exec(link)?.[1] ?? "";
    expect(await client.readRunSharedLink(root)).toBe(link);
    const shared = await request(fixture.studio, "GET", `/public/${token}/run`);
    expect(shared).toMatchObject({ status: 200, body: { id: root, name: "shared" } });
    expect((await request(fixture.studio, "GET", `/public/${token}/run/${child}`)).status).toBe(200);
    expect((await request(fixture.studio, "GET", `/public/${token}/run/${other}`)).status).toBe(404);
    expect((await request(fixture.studio, "GET", `/runs/${root}`)).status).toBe(401);
    const publicClient = fixture.client({ apiKey: "wrong" });
    const v2 = await publicClient.public.runs.retrieve(child, {
      share_token: token,
      selects: ["NAME"],
      start_time: "",
    });
    expect(v2).toEqual({ id: child, name: "leaf" });
    const listed = await publicClient.public.runs.query(token, { selects: ["NAME"] });
    expect(listed.items?.map((r) => r.name)).toEqual(["shared", "leaf"]);
    await client.unshareRun(root);
    expect(await client.readRunSharedLink(root)).toBeUndefined();
    expect((await request(fixture.studio, "GET", `/public/${token}/run`)).status).toBe(404);
  });

  it("runs.share.create and delete, with the share URL on runs.retrieve", async () => {
    const client = fixture.client({ apiKey: KEY });
    const { share_token } = await client.runs.share.create(root, { session_id: projectId, trace_id: root });
    const run = await client.runs.retrieve(root, { project_id: projectId, selects: ["SHARE_URL"] });
    expect(run.share_url).toBe(`${fixture.studio.url}/public/${share_token}/r`);
    await client.runs.share.delete(root, { session_id: projectId });
    expect((await request(fixture.studio, "GET", `/api/v2/public/${share_token}/run/${root}`)).status).toBe(
      404,
    );
  });

  it("threads.share opens every turn of the thread", async () => {
    const client = fixture.client({ apiKey: KEY });
    const { share_token } = await client.threads.share.create("t-1", { project_id: projectId });
    expect(await client.threads.share.retrieve("t-1", { project_id: projectId })).toEqual({ share_token });
    const listed = await fixture
      .client({ apiKey: "none" })
      .public.runs.query(share_token!, { selects: ["ID"] });
    expect(listed.items?.map((r) => r.id).sort()).toEqual([root, child].sort());
    await client.threads.share.delete("t-1", { project_id: projectId });
    expect(
      (await request(fixture.studio, "POST", `/api/v2/public/${share_token}/runs/query`, { body: "{}" }))
        .status,
    ).toBe(404);
  });
});
