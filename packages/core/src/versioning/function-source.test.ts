// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are function sources with templates in them
import { describe, expect, it } from "vitest";
import { freeIdentifiers } from "../steps/free-identifiers.ts";
import { functionSource, readFunction } from "./function-source.ts";

/** A function whose `toString()` is exactly `text`, as a loader would have printed it. */
function printed(text: string): (...args: never[]) => unknown {
  return new Function(`return (${text}\n);`)() as (...args: never[]) => unknown;
}

/** The canonical sources of what Node's type stripping kept (`node`) and what a loader printed. */
function both(node: string, loader: string): [string, string] {
  return [functionSource(printed(node)), functionSource(printed(loader))];
}

describe("functionSource: what loaders print differently counts the same", () => {
  it.each([
    [
      "layout, comments, parentheses and trailing commas",
      "(a, b,) => {\n  // sum\n  return (a + b);\n}",
      "(a,b)=>a+b",
    ],
    ["quote style", `() => 'say "hi"' + "it's"`, `() => "say \\"hi\\"" + 'it\\'s'`],
    ["number forms", "() => 0.95 * 2000 + 0x10 + 1_000", "()=>.95*2e3+16+1000"],
    [
      "`void 0` for undefined, `!0`/`!1` for booleans",
      "(x) => x === undefined ? true : false",
      "x=>x===void 0?!0:!1",
    ],
    ["an untagged template's escapes", "(n) => `a\nb${n}`", "(n) => `a\\nb${n}`"],
    [
      "optional semicolons and empty statements (oxc's `};`)",
      "function f(a) { if (a) { g() } return a }",
      "function f(a) { if (a) { g(); }; return a; }",
    ],
    [
      "quoted keys, shorthand and computed string members",
      "(b) => ({ a: o.x, b })",
      `(b) => ({ "a": o["x"], b: b })`,
    ],
    ["an arrow's single `return` block", "(x) => ({ x })", "(x) => { return { x }; }"],
    [
      "esbuild keepNames: __name wrappers, statements and static blocks",
      "(x) => { const f = (y) => y; function g() { return 1 } class K { m() { return g() } } return f(x) + new K().m(); }",
      '(x)=>{const f=__name(y=>y,"f");function g(){return 1}__name(g,"g");class K{static{__name(this,"K")}m(){return g()}}return f(x)+new K().m()}',
    ],
    [
      "Vite's SSR imports and dynamic imports",
      'async (d) => scanSql(d).masked + new SqlError(d) + (await import("m")).x',
      'async (d) => (0,__vite_ssr_import_6__.scanSql)(d).masked + new __vite_ssr_import_7__.SqlError(d) + (await __vite_ssr_dynamic_import__("m")).x',
    ],
    [
      "esbuild's CommonJS imports",
      "(d) => scanSql(d) + LIMIT",
      "(d) => (0, import_sql_scan.scanSql)(d) + import_limits.LIMIT",
    ],
  ])("%s", (_rule, node, loader) => {
    const [a, b] = both(node, loader);
    expect(b).toBe(a);
  });

  it("Vite's import.meta", () => {
    // import.meta only parses in a module: this one is read as Node loaded this file.
    const node = () => import.meta.url;
    expect(functionSource(printed("() => __vite_ssr_import_meta__.url"))).toBe(functionSource(node));
    const tree = readFunction(node).tree;
    expect(tree && freeIdentifiers(tree)).toEqual([]);
  });

  it("prints the canonical source as readable JavaScript", () => {
    expect(functionSource(printed("(t)=>({label:'other',confidence:t.text.length>10?.6:.4})"))).toBe(
      't => ({\n  label: "other",\n  confidence: t.text.length > 10 ? 0.6 : 0.4\n})',
    );
  });
});

describe("functionSource: what changes behaviour changes the source", () => {
  it.each([
    ["a string's contents", '(s) => s.split(" ")', '(s) => s.split("")'],
    ["a template's contents", "(n) => `${n} rows`", "(n) => `${n}  rows`"],
    [
      "a tagged template's raw text, which the tag reads",
      "() => String.raw`a\\nb`",
      "() => String.raw`a\nb`",
    ],
    ["a regex's flags", "(s) => /a b/i.test(s)", "(s) => /a b/.test(s)"],
    ["a regex's pattern", "(s) => /a b/.test(s)", "(s) => /a  b/.test(s)"],
    ["an operator", "(a, b) => a - b", "(a, b) => b - a"],
    ["a called helper", "(d) => scanSql(d)", "(d) => maskSql(d)"],
    ["a number", "() => 0.6", "() => 0.61"],
  ])("%s", (_what, a, b) => {
    const [x, y] = both(a, b);
    expect(y).not.toBe(x);
  });
});

describe("functionSource: every kind of function", () => {
  it("reads methods, getters, classes and generators", () => {
    const object = {
      m(x: number) {
        return x + 1;
      },
      get v() {
        return 1;
      },
      async *g() {
        yield 1;
      },
    };
    expect(functionSource(object.m)).toBe("m(x) {\n  return x + 1;\n}");
    const getter = Object.getOwnPropertyDescriptor(object, "v")?.get as () => number;
    expect(functionSource(getter)).toBe("get v() {\n  return 1;\n}");
    expect(functionSource(object.g)).toMatch(/^async \*g\(\) \{\n {2}yield 1;\n\}$/);
    class Counter {
      n = 0;
      inc(): number {
        return ++this.n;
      }
    }
    expect(functionSource(Counter)).toMatch(/^class Counter \{\n {2}n = 0;\n {2}inc\(\) \{/);
  });

  it("hashes native and bound functions by their whitespace-normalised text", () => {
    expect(functionSource(Math.max)).toBe("function max() { [native code] }");
    expect(functionSource(((x: number) => x).bind(null))).toBe("function () { [native code] }");
  });

  it("gives the tree of a parsed function and nothing for native code", () => {
    expect(readFunction((x: number) => x).tree?.type).toBe("ArrowFunctionExpression");
    expect(readFunction(Math.max).tree).toBeUndefined();
  });
});

describe("freeIdentifiers", () => {
  const free = (text: string) => {
    const tree = readFunction(printed(text)).tree;
    if (tree === undefined) throw new Error(`did not parse: ${text}`);
    return freeIdentifiers(tree);
  };

  it("lists the module names a function reads, not its own bindings or the globals", () => {
    expect(
      free(`async ({ text }, ctx) => {
        const words = text.split(/\\s+/).filter((w) => !STOP.has(w));
        let n = 0;
        for (const w of words) n += weight(w, LIMITS[w]);
        try { JSON.parse(text) } catch (e) { console.log(e, Math.max(n, 0)) }
        label: for (;;) break label;
        return { n, at: Date.now(), x: ctx.signal };
      }`),
    ).toEqual(["LIMITS", "STOP", "weight"]);
  });

  it("reads through the loaders' import objects to the imported names", () => {
    expect(
      free("(d) => (0,__vite_ssr_import_6__.scanSql)(d) + new __vite_ssr_import_1__.SqlError()"),
    ).toEqual(["SqlError", "scanSql"]);
  });

  it("counts hoisted functions and var as bound", () => {
    expect(free("function f() { g(); var v = 1; function g() { return v } }")).toEqual([]);
  });
});
