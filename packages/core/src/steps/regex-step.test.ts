import { describe, expect, it } from "vitest";
import { z } from "zod";
import { regex } from "./regex-step.ts";
import { contractContext, runStepContract } from "./step-contract.case.ts";

runStepContract("regex", {
  create: () => regex("refund", { rules: [{ label: "refund", pattern: /\brefund\b/i }] }),
  createChanged: () => regex("refund", { rules: [{ label: "refund", pattern: /\brefunds?\b/i }] }),
  input: { text: "I want a refund" },
  labels: true,
});

runStepContract("regex", {
  create: () => regex("ids", { extract: /#(?<orderId>\d{6})/g, all: true }),
  createChanged: () => regex("ids", { extract: /#(?<orderId>\d{7})/g, all: true }),
  input: "orders #123456 and #654321",
  labels: false,
});

const ctx = contractContext();

describe("regex labelling", () => {
  const step = regex("kind", {
    rules: [
      { label: "card", pattern: /\bcard\b/i, confidence: 0.9 },
      { label: "lost_card", pattern: /\blost\b.*\bcard\b/i, priority: 10 },
      { label: "pin", pattern: "\\bpin\\b" },
    ],
  });

  it("returns the highest-priority matching rule with its match", async () => {
    expect(await step.run({ text: "I lost my card" }, ctx)).toEqual({
      label: "lost_card",
      confidence: 1,
      match: { text: "lost my card", index: 2, rule: 1 },
    });
  });

  it("keeps list order among equal priorities and uses the rule's confidence", async () => {
    const r = await step.run("card and PIN", ctx);
    expect(r.label).toBe("card");
    expect(r.confidence).toBe(0.9);
  });

  it("compiles string patterns case-insensitively by default", async () => {
    expect((await step.run("my PIN is blocked", ctx)).label).toBe("pin");
  });

  it("returns a clean no-match", async () => {
    expect(await step.run("hello", ctx)).toEqual({ label: null, confidence: 0, match: null });
  });

  it("does not carry lastIndex over between inputs for global patterns", async () => {
    const g = regex("g", { rules: [{ label: "x", pattern: /x/g }] });
    expect((await g.run("x", ctx)).label).toBe("x");
    expect((await g.run("x", ctx)).label).toBe("x");
  });

  it("says which field it needs when the input has no text", async () => {
    expect(() => step.run({ body: "card" }, ctx)).toThrow(/string "text" field/);
    const onBody = regex("kind", { rules: [{ label: "card", pattern: /card/ }], field: "body" });
    expect((await onBody.run({ body: "card" }, ctx)).label).toBe("card");
  });

  it("rejects a confidence outside [0, 1] when defined", async () => {
    expect(() => regex("bad", { rules: [{ label: "a", pattern: /a/, confidence: 2 }] })).toThrow(
      /confidence/,
    );
  });
});

describe("regex extraction", () => {
  it("extracts named groups, first match by default", async () => {
    const step = regex("fields", {
      extract: [/order\s+#(?<orderId>\d+)/i, /(?<email>[\w.+-]+@[\w-]+\.\w+)/],
    });
    expect(await step.run("Order #42 for ann@example.com, order #43", ctx)).toEqual({
      orderId: "42",
      email: "ann@example.com",
    });
    expect(await step.run("nothing here", ctx)).toEqual({ orderId: undefined, email: undefined });
  });

  it("collects every distinct match with `all`", async () => {
    const step = regex("ids", { extract: /#(?<id>\d+)/, all: true });
    expect(await step.run("#1 #2 #1", ctx)).toEqual({ id: ["1", "2"] });
  });

  it("types the fields through a schema", async () => {
    const step = regex("amount", {
      extract: /\$(?<amount>\d+(?:\.\d+)?)/,
      schema: z.object({ amount: z.coerce.number().optional() }),
    });
    expect(await step.run("pay $12.50 now", ctx)).toEqual({ amount: 12.5 });
  });

  it("needs named groups", async () => {
    expect(() => regex("none", { extract: /\d+/ })).toThrow(/named capture groups/);
  });
});
