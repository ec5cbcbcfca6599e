import type {
  ArrowFunctionExpression,
  CallExpression,
  Expression,
  Identifier,
  Literal,
  MemberExpression,
  Node,
  Property,
  TemplateLiteral,
  UnaryExpression,
} from "estree";

/**
 * Rewrites, in place, a parsed function so that the forms loaders print differently become one
 * form; the rules are listed on `functionSource` (function-source.ts). Returns the root, which a
 * rule may have replaced.
 */
export function normalizeFunctionTree(root: Node): Node {
  return visit(root, false) ?? root;
}

/** Module objects through which Vite's SSR transform reads imported bindings. */
const VITE_IMPORT = /^__vi(?:te)?_ssr_import_\d+__$|^__vi_import_\d+__$/;
/** Module objects through which esbuild's CommonJS output reads imported bindings. */
const ESBUILD_IMPORT = /^import_[\w$]+$/;
/** What a module object read as a whole (a default or namespace import) becomes. */
export const IMPORTED_MODULE = "__import__";

const IDENTIFIER_NAME = /^[A-Za-z_$][\w$]*$/;

type AnyNode = Node & Record<string, unknown>;

/** Normalises a node's children, then the node; undefined drops a statement from its list. */
function visit(node: Node, taggedQuasi: boolean): Node | undefined {
  // esbuild's keepNames: `__name(named, "named");` after a function declaration, and
  // `static { __name(this, "K"); }` in a class. Checked before the call itself becomes `named`.
  if (node.type === "ExpressionStatement" && isNameHelper(node.expression)) return undefined;
  const n = node as AnyNode;
  for (const key in n) {
    const value = n[key];
    if (typeof value !== "object" || value === null || key === "loc") continue;
    if (Array.isArray(value)) {
      let dropped = false;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (!isNode(item)) continue; // holes of array patterns and expressions stay holes
        const next = visit(item, false);
        if (next === undefined) dropped = true;
        value[i] = next;
      }
      if (dropped) n[key] = value.filter((item) => item !== undefined);
    } else if (isNode(value)) {
      const tagged = node.type === "TaggedTemplateExpression" && key === "quasi";
      // A required child is never dropped; only list members are.
      n[key] = visit(value, tagged) ?? value;
    }
  }
  return rewrite(node, taggedQuasi);
}

function isNode(value: unknown): value is Node {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}

function rewrite(node: Node, taggedQuasi: boolean): Node | undefined {
  switch (node.type) {
    case "Literal":
      return literal(node);
    case "TemplateLiteral":
      if (!taggedQuasi) cookTemplate(node);
      return node;
    case "UnaryExpression":
      return unary(node);
    case "CallExpression":
      return call(node);
    case "TaggedTemplateExpression":
      node.tag = unwrapIndirect(node.tag as Expression);
      return node;
    case "MemberExpression":
      return member(node);
    case "Identifier":
      return identifier(node);
    case "Property":
      return property(node);
    case "PropertyDefinition":
    case "MethodDefinition":
      if (!node.computed) node.key = identifierKey(node.key as Expression);
      return node;
    case "ArrowFunctionExpression":
      return arrow(node);
    case "EmptyStatement":
      return undefined;
    case "ExpressionStatement":
      delete (node as { directive?: string }).directive; // "use strict" and 'use strict' alike
      return node;
    case "StaticBlock":
      // `static { __name(this, "K"); }` once its statement is gone (see `visit`).
      return node.body.length === 0 ? undefined : node;
    default:
      return node;
  }
}

function literal(node: Literal): Literal {
  const n = node as Literal & { raw?: string; bigint?: string };
  delete n.raw; // the printer then writes the value: quote style and number forms disappear
  if (typeof n.value === "bigint") n.bigint = n.value.toString();
  return node;
}

/** An untagged template counts by its cooked text; the printer writes `raw`, so rebuild it. */
function cookTemplate(node: TemplateLiteral): void {
  for (const quasi of node.quasis) {
    const cooked = quasi.value.cooked;
    if (typeof cooked === "string") quasi.value.raw = escapeTemplate(cooked);
  }
}

function escapeTemplate(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
  return text.replace(/[\\`]|\$\{|[\u0000-\u001f]/g, (c) => {
    if (c === "\\" || c === "`") return `\\${c}`;
    if (c === "${") return "\\${";
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

function unary(node: UnaryExpression): Node {
  const arg = node.argument;
  if (arg.type !== "Literal" || typeof arg.value !== "number") return node;
  if (node.operator === "void" && arg.value === 0) return { type: "Identifier", name: "undefined" };
  if (node.operator === "!" && (arg.value === 0 || arg.value === 1)) {
    return { type: "Literal", value: arg.value === 0 };
  }
  return node;
}

function call(node: CallExpression): Node {
  // esbuild's keepNames wraps named functions and classes: `__name(expr, "name")` is `expr`.
  if (isNameHelper(node)) return node.arguments[0] as Expression;
  if (node.callee.type === "Identifier" && node.callee.name === "__vite_ssr_dynamic_import__") {
    const source = node.arguments[0];
    if (source !== undefined && source.type !== "SpreadElement") return { type: "ImportExpression", source };
  }
  if (node.callee.type !== "Super") node.callee = unwrapIndirect(node.callee);
  return node;
}

function isNameHelper(node: Node): boolean {
  if (node.type !== "CallExpression" || node.callee.type !== "Identifier" || node.callee.name !== "__name") {
    return false;
  }
  const [target, name] = node.arguments;
  return (
    node.arguments.length === 2 &&
    target !== undefined &&
    target.type !== "SpreadElement" &&
    name?.type === "Literal" &&
    typeof name.value === "string"
  );
}

/** `(0, f)(x)`: the call without a `this`, which import rewriting emits; it is `f(x)`. */
function unwrapIndirect(callee: Expression): Expression {
  if (callee.type !== "SequenceExpression" || callee.expressions.length !== 2) return callee;
  const [first, second] = callee.expressions;
  if (first?.type !== "Literal" || first.value !== 0 || second === undefined) return callee;
  return second;
}

function member(node: MemberExpression): Node {
  if (node.computed && node.property.type === "Literal") {
    const key = node.property.value;
    if (typeof key === "string" && IDENTIFIER_NAME.test(key)) {
      node.property = { type: "Identifier", name: key };
      node.computed = false;
    }
  }
  const object = node.object;
  if (node.computed || node.optional || object.type !== "Identifier" || node.property.type !== "Identifier") {
    return node;
  }
  const fromVite = object.name === IMPORTED_MODULE; // already renamed by `identifier` below
  const fromEsbuild = ESBUILD_IMPORT.test(object.name);
  if ((fromVite || fromEsbuild) && node.property.name !== "default") {
    return { type: "Identifier", name: node.property.name };
  }
  if (fromEsbuild) object.name = IMPORTED_MODULE;
  return node;
}

function identifier(node: Identifier): Node {
  if (VITE_IMPORT.test(node.name)) node.name = IMPORTED_MODULE;
  else if (node.name === "__vite_ssr_import_meta__") {
    return {
      type: "MetaProperty",
      meta: { type: "Identifier", name: "import" },
      property: { type: "Identifier", name: "meta" },
    };
  }
  return node;
}

function property(node: Property): Node {
  if (node.computed) return node;
  node.key = identifierKey(node.key as Expression);
  const key = node.key;
  if (key.type !== "Identifier" || node.kind !== "init" || node.method) return node;
  const value = node.value;
  const same =
    (value.type === "Identifier" && value.name === key.name) ||
    (value.type === "AssignmentPattern" && value.left.type === "Identifier" && value.left.name === key.name);
  node.shorthand = same;
  return node;
}

function identifierKey(key: Expression): Expression {
  if (key.type === "Literal" && typeof key.value === "string" && IDENTIFIER_NAME.test(key.value)) {
    return { type: "Identifier", name: key.value };
  }
  return key;
}

function arrow(node: ArrowFunctionExpression): Node {
  const body = node.body;
  if (body.type !== "BlockStatement" || body.body.length !== 1) return node;
  const only = body.body[0];
  if (only?.type !== "ReturnStatement" || only.argument == null) return node;
  node.body = only.argument;
  node.expression = true;
  return node;
}
