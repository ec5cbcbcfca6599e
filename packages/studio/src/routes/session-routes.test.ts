import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("sessions (projects) through the langsmith SDK", () => {
  it("creates, reads, upserts, updates and lists projects, each with the tenant id", async () => {
    const client = fixture.client();
    const created = await client.createProject({
      projectName: "alpha",
      description: "first",
      metadata: { team: "a" },
    });
    expect(created).toMatchObject({
      name: "alpha",
      description: "first",
      extra: { metadata: { team: "a" } },
    });
    expect(typeof created.tenant_id).toBe("string");
    await expect(client.createProject({ projectName: "alpha" })).rejects.toThrow(/409|already exists/);
    const upserted = await client.createProject({ projectName: "alpha", upsert: true });
    expect(upserted.id).toBe(created.id);

    expect((await client.readProject({ projectName: "alpha" })).id).toBe(created.id);
    expect((await client.readProject({ projectId: created.id })).name).toBe("alpha");
    expect(await client.hasProject({ projectName: "nope" })).toBe(false);
    await expect(client.readProject({ projectName: "nope" })).rejects.toThrow(/not found/);

    const updated = await client.updateProject(created.id, {
      description: "renamed",
      endTime: new Date().toISOString(),
    });
    expect(updated).toMatchObject({ id: created.id, description: "renamed", name: "alpha" });
    expect(updated.end_time).toBeTruthy();
    // updateProject sends `"description": null` for a description it was not given (so does
    // evaluate() when it records an experiment's metadata): null keeps it, "" clears it.
    await client.updateProject(created.id, { metadata: { team: "b" } });
    expect(await client.readProject({ projectId: created.id })).toMatchObject({ description: "renamed" });
    await client.updateProject(created.id, { description: "" });
    expect(await client.readProject({ projectId: created.id })).toMatchObject({ description: "" });

    await client.createProject({ projectName: "beta" });
    const names = (await collect(client.listProjects())).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["alpha", "beta"]));
    expect((await collect(client.listProjects({ nameContains: "ALP" }))).map((p) => p.name)).toEqual([
      "alpha",
    ]);
  });

  it("lists newest first with sort_by=start_time&sort_by_desc=true, and names the sorts it has", async () => {
    const client = fixture.client();
    for (const name of ["sort-1", "sort-2", "sort-3"]) await client.createProject({ projectName: name });
    const names = async (query: string) =>
      (
        (await request(fixture.studio, "GET", `/sessions?name_contains=sort-${query}`)).body as Array<{
          name: string;
        }>
      ).map((s) => s.name);
    expect(await names("")).toEqual(["sort-1", "sort-2", "sort-3"]);
    expect(await names("&sort_by=start_time&sort_by_desc=true")).toEqual(["sort-3", "sort-2", "sort-1"]);
    expect(await names("&sort_by=name&sort_by_desc=true&limit=2")).toEqual(["sort-3", "sort-2"]);
    const refused = await request(fixture.studio, "GET", "/sessions?sort_by=latency_p50");
    expect(refused.status).toBe(422);
    expect((refused.body as { detail: string }).detail).toContain('"start_time" or "name"');
  });
});
