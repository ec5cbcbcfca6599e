/*
 * The studio's page with more than a page of projects and datasets, in a real Chromium against a
 * real `catena studio` process: projects past the experiments and past the first hundred are listed,
 * newest first, the page in the URL.
 */
import { describe, expect, it } from "vitest";
import { useStudioPage } from "./support/studio-page-fixture.ts";

const ui = useStudioPage("studio-many");

async function post(path: string, body: unknown): Promise<{ id: string }> {
  const response = await fetch(`${ui.studio.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as { id: string };
}

describe("the studio's page with many projects", () => {
  it("lists the projects after a hundred experiments, and pages past the hundredth project", async () => {
    const dataset = await post("/datasets", { name: "evals" });
    // A hundred and five `catena eval` runs: sessions of the dataset, older than any project.
    for (let i = 0; i < 105; i++)
      await post("/sessions", { name: `experiment ${i}`, reference_dataset_id: dataset.id });
    for (let i = 0; i < 130; i++) await post("/sessions", { name: `project-${String(i).padStart(3, "0")}` });
    const page = await ui.open("/o/local/projects");
    const links = page.getByRole("table", { name: "Projects" }).locator("tbody a");
    await expect.poll(() => links.count()).toBe(100);
    expect(await page.getByText("experiment 0", { exact: true }).count()).toBe(0);
    expect(await page.getByText("projects 1–100").count()).toBe(1);
    // Newest first: the project made last is on the first page, not the last.
    expect(await links.first().textContent()).toBe("project-129");
    await page.getByRole("button", { name: "More projects" }).click();
    await expect.poll(() => links.count()).toBe(30);
    expect(await links.last().textContent()).toBe("project-000");
    expect(await page.getByText("projects 101–130").count()).toBe(1);
    expect(await page.getByRole("button", { name: "More projects" }).count()).toBe(0);
    // The page is in the URL: Back from a project of the second page returns to the second page.
    expect(new URL(page.url()).searchParams.get("offset")).toBe("100");
    await links.first().click();
    await page.waitForURL(/\/projects\/p\//);
    await page.goBack();
    await expect.poll(() => links.first().textContent()).toBe("project-029");
    expect(await page.getByText("projects 101–130").count()).toBe(1);
    await page.getByRole("button", { name: "Previous projects" }).click();
    await expect.poll(() => links.first().textContent()).toBe("project-129");

    // A dataset without experiments says so, rather than showing an empty table.
    const empty = await post("/datasets", { name: "no-evals-yet" });
    await page.goto(new URL(`/o/local/datasets/${empty.id}`, ui.studio.url).toString());
    await expect.poll(() => page.getByText("No experiments on this dataset yet").count()).toBe(1);
    await page.close();
  });
});
