import { describe, expect, it } from "vitest";
import { splitDataset } from "./split-dataset.ts";

const examples = Array.from({ length: 200 }, (_, i) => ({
  text: `t${i}`,
  label: i % 10 < 7 ? "big" : i % 10 < 9 ? "mid" : "small",
}));

describe("splitDataset", () => {
  it("splits deterministically, disjointly and completely, keeping input order", () => {
    const a = splitDataset(examples, { seed: 7 });
    expect(splitDataset(examples, { seed: 7 })).toEqual(a);
    expect(splitDataset(examples, { seed: 8 }).dev).not.toEqual(a.dev);
    expect(a.train.length + a.dev.length).toBe(200);
    expect(new Set([...a.train, ...a.dev].map((e) => e.text)).size).toBe(200);
    const order = (xs: typeof examples) => xs.map((e) => Number(e.text.slice(1)));
    expect(order(a.dev)).toEqual([...order(a.dev)].sort((x, y) => x - y));
  });

  it("keeps each class's share in dev (stratified by label by default)", () => {
    const { dev } = splitDataset(examples, { seed: 1, devShare: 0.15 });
    const count = (l: string) => dev.filter((e) => e.label === l).length;
    expect([count("big"), count("mid"), count("small")]).toEqual([21, 6, 3]);
  });

  it("rejects a share outside (0, 1)", () => {
    expect(() => splitDataset(examples, { seed: 1, devShare: 1 })).toThrow(/devShare/);
  });
});
