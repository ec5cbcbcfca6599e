import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  canonicalJson,
  cascade,
  code,
  defineChain,
  fingerprintOf,
  regex,
  runOrThrow,
  sequence,
} from "../index.ts";
import { fixtureChain } from "./fixtures/fingerprint-chain.ts";

const here = dirname(fileURLToPath(import.meta.url));
const coreDir = resolve(here, "..", "..");
const run = promisify(execFile);

/** A small chain with every knob the tests turn; the defaults give the reference fingerprint. */
function makeChain(
  o: {
    pattern?: RegExp | string;
    flags?: string;
    threshold?: number;
    onExhausted?: "best" | "deferred";
    body?: "upper" | "lower";
    input?: z.ZodType<{ text: string }>;
    timeoutMs?: number;
    regexTimeoutMs?: number;
    version?: string;
  } = {},
) {
  const normalize =
    o.body === "upper"
      ? code("normalize", ({ text }: { text: string }) => ({ text: text.toUpperCase() }), {
          timeoutMs: o.timeoutMs ?? 1000,
        })
      : code("normalize", ({ text }: { text: string }) => ({ text: text.toLowerCase() }), {
          timeoutMs: o.timeoutMs ?? 1000,
        });
  return defineChain({
    name: "fp",
    version: o.version ?? "1.0.0",
    input: o.input ?? z.object({ text: z.string() }),
    output: z.object({ label: z.string().nullable(), confidence: z.number() }),
    flow: sequence(
      normalize,
      cascade(
        "intent",
        [
          regex("rules", {
            rules: [{ label: "refund", pattern: o.pattern ?? "\\brefund\\b", flags: o.flags ?? "i" }],
            threshold: o.threshold ?? 0.9,
            timeoutMs: o.regexTimeoutMs ?? 50,
          }),
          code("fallback", () => ({ label: "other", confidence: 0.5 })),
        ],
        { onExhausted: o.onExhausted ?? "best" },
      ),
    ),
  });
}

describe("chain fingerprint", () => {
  it("is a SHA-256 hex digest", () => {
    expect(makeChain().fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the same for the same definition built twice", () => {
    expect(makeChain().fingerprint).toBe(makeChain().fingerprint);
  });

  it("is the same in a separate Node process loading the same module", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--conditions=@catena/source", join(here, "fixtures", "print-fingerprint.ts")],
      { cwd: coreDir },
    );
    const child = JSON.parse(stdout.trim()) as { fingerprint: string; spec: unknown };
    // Other loaders (tsx, vitest's module runner) are compared in tests/fingerprint-loaders.test.ts.
    // Compare the specs first: on a mismatch the diff shows which part differs.
    expect(child.spec).toEqual(fixtureChain.spec());
    expect(child.fingerprint).toBe(fixtureChain.fingerprint);
  });

  it("is the same in two separate Node processes", async () => {
    const args = ["--conditions=@catena/source", join(here, "fixtures", "print-fingerprint.ts")];
    const [a, b] = await Promise.all([
      run(process.execPath, args, { cwd: coreDir }),
      run(process.execPath, args, { cwd: coreDir }),
    ]);
    expect(a.stdout).toBe(b.stdout);
  });

  it("changes when a regex pattern changes", () => {
    expect(makeChain({ pattern: "\\brefunds?\\b" }).fingerprint).not.toBe(makeChain().fingerprint);
  });

  it("changes when regex flags change", () => {
    expect(makeChain({ flags: "" }).fingerprint).not.toBe(makeChain().fingerprint);
    expect(makeChain({ flags: "iu" }).fingerprint).not.toBe(makeChain().fingerprint);
  });

  it("is the same for a RegExp literal and the equivalent string pattern with flags", () => {
    expect(makeChain({ pattern: /\brefund\b/i }).fingerprint).toBe(makeChain().fingerprint);
  });

  it("changes when a threshold changes", () => {
    expect(makeChain({ threshold: 0.8 }).fingerprint).not.toBe(makeChain().fingerprint);
  });

  it("changes when a code step's body changes", () => {
    expect(makeChain({ body: "upper" }).fingerprint).not.toBe(makeChain().fingerprint);
  });

  it("changes when a cascade's onExhausted changes", () => {
    expect(makeChain({ onExhausted: "deferred" }).fingerprint).not.toBe(makeChain().fingerprint);
  });

  it("changes when the input schema changes", () => {
    expect(makeChain({ input: z.object({ text: z.string().max(100) }) }).fingerprint).not.toBe(
      makeChain().fingerprint,
    );
    expect(makeChain({ input: z.object({ text: z.string(), lang: z.string() }) }).fingerprint).not.toBe(
      makeChain().fingerprint,
    );
  });

  it("does not change when only a timeout changes", () => {
    expect(makeChain({ timeoutMs: 5000 }).fingerprint).toBe(makeChain().fingerprint);
    expect(makeChain({ regexTimeoutMs: 10 }).fingerprint).toBe(makeChain().fingerprint);
  });

  it("does not change with the formatting of a code step", () => {
    const a = defineChain({
      name: "fmt",
      version: "1.0.0",
      input: z.number(),
      output: z.number(),
      flow: code("inc", (n: number) => n + 1),
    });
    // biome-ignore format: the point is the different formatting
    const b = defineChain({ name: "fmt", version: "1.0.0", input: z.number(), output: z.number(), flow: code("inc", (n: number) =>   n  +  1) });
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it("changes when whitespace inside a string literal of a code step changes", async () => {
    // Layout does not count, but whitespace inside literals does: these two steps behave
    // differently ("a b" -> ["a", "b"] vs ["a", " ", "b"]).
    const words = defineChain({
      name: "split",
      version: "1.0.0",
      input: z.string(),
      output: z.array(z.string()),
      flow: code("split", (s: string) => s.split(" ")),
    });
    const chars = defineChain({
      name: "split",
      version: "1.0.0",
      input: z.string(),
      output: z.array(z.string()),
      flow: code("split", (s: string) => s.split("")),
    });
    expect(await runOrThrow(words, "a b")).toEqual(["a", "b"]);
    expect(await runOrThrow(chars, "a b")).toEqual(["a", " ", "b"]);
    expect(words.fingerprint).not.toBe(chars.fingerprint);
  });

  it("fingerprintOf hashes the canonical JSON, so key order does not matter", () => {
    expect(fingerprintOf({ a: 1, b: [1, 2] })).toBe(fingerprintOf({ b: [1, 2], a: 1 }));
    expect(fingerprintOf({ a: 1, b: [1, 2] })).not.toBe(fingerprintOf({ a: 1, b: [2, 1] }));
  });
});

describe("canonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe(
      '{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}',
    );
  });

  it("gives the same text for the same value built in a different key order", () => {
    const x = { name: "x", rules: [{ label: "a", source: "\\d+" }], threshold: 0.5 };
    const y = { threshold: 0.5, rules: [{ source: "\\d+", label: "a" }], name: "x" };
    expect(canonicalJson(x)).toBe(canonicalJson(y));
    expect(canonicalJson(x)).toBe(canonicalJson(JSON.parse(canonicalJson(x))));
  });

  it("is stable across calls", () => {
    const value = { z: [1, "two", null, true], a: { nested: { k2: 2, k1: 1 } } };
    expect(canonicalJson(value)).toBe(canonicalJson(value));
    expect(canonicalJson(value)).toBe('{"a":{"nested":{"k1":1,"k2":2}},"z":[1,"two",null,true]}');
  });

  it("gives regexes, non-finite numbers and undefined a fixed form", () => {
    expect(canonicalJson({ re: /a b/gi })).toBe('{"re":{"$regex":"a b","flags":"gi"}}');
    expect(canonicalJson([Number.NaN, Number.POSITIVE_INFINITY])).toBe(
      '[{"$number":"NaN"},{"$number":"Infinity"}]',
    );
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([undefined])).toBe("[null]");
  });

  it("rejects cyclic values but accepts shared ones", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
  });
});
