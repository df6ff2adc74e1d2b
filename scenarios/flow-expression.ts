/**
 * The arithmetic a pack flow may do on what a call knows, written `{= …}` in a template or a
 * `set:` step: `{= ceil(account.balance_cents / slot.months)}`. Names are the same paths a
 * placeholder reads (`slot.x`, `customer.id`, a saved result's field, `config.<toolsConfig>`).
 * Numbers, 'text', true/false; + - * / %; == != < <= > >=; && || !; c ? a : b; and the
 * functions below. Anything not a number in arithmetic gives no value, so a binding built on a
 * value the call does not have is left out rather than sent as NaN.
 */

export type ExpressionNode =
  | { kind: "number"; value: number }
  | { kind: "text"; value: string }
  | { kind: "bool"; value: boolean }
  | { kind: "name"; path: string }
  | { kind: "unary"; op: "-" | "!"; arg: ExpressionNode }
  | { kind: "binary"; op: string; left: ExpressionNode; right: ExpressionNode }
  | { kind: "if"; test: ExpressionNode; then: ExpressionNode; else: ExpressionNode }
  | { kind: "call"; fn: string; args: ExpressionNode[] };

/** Functions an expression may call; rounding is to whole units (cents stay whole cents). */
const FUNCTIONS: Record<string, (...args: number[]) => number> = {
  min: (...xs) => Math.min(...xs),
  max: (...xs) => Math.max(...xs),
  round: (x = Number.NaN) => Math.round(x),
  ceil: (x = Number.NaN) => Math.ceil(x),
  floor: (x = Number.NaN) => Math.floor(x),
  abs: (x = Number.NaN) => Math.abs(x),
};

/** The names an expression may call, for validation messages. */
export const EXPRESSION_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS);

/** A mistake in an expression, with where it is, so a pack author can fix it. */
export class ExpressionError extends Error {}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|('[^']*'|"[^"]*")|([A-Za-z_][A-Za-z0-9_]*(?:(?:\.[A-Za-z0-9_]+)|\[\d+\])*)|(==|!=|<=|>=|&&|\|\||[-+*/%<>!?:(),]))/y;

/** Parses an expression; throws {@link ExpressionError} saying what is wrong. */
export function parseExpression(source: string): ExpressionNode {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(source);
    if (!match) throw new ExpressionError(`cannot read "${source.slice(at).trim()}" in ${source}`);
    tokens.push(match[0].trim());
    at = TOKEN.lastIndex;
  }
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string): string => {
    const token = tokens[i];
    if (token === undefined || (want !== undefined && token !== want)) throw new ExpressionError(`expected ${want ?? "a value"} ${token === undefined ? "at the end" : `before "${token}"`} in ${source}`);
    i++;
    return token;
  };
  const binary = (next: () => ExpressionNode, ops: readonly string[]) => (): ExpressionNode => {
    let left = next();
    while (ops.includes(peek() ?? "")) {
      const op = take();
      left = { kind: "binary", op, left, right: next() };
    }
    return left;
  };
  const primary = (): ExpressionNode => {
    const token = take();
    if (token === "(") {
      const inner = expression();
      take(")");
      return inner;
    }
    if (token === "-" || token === "!") return { kind: "unary", op: token, arg: primary() };
    if (/^\d/.test(token)) return { kind: "number", value: Number(token) };
    if (/^['"]/.test(token)) return { kind: "text", value: token.slice(1, -1) };
    if (token === "true" || token === "false") return { kind: "bool", value: token === "true" };
    if (!/^[A-Za-z_]/.test(token)) throw new ExpressionError(`unexpected "${token}" in ${source}`);
    if (peek() !== "(") return { kind: "name", path: token };
    if (!FUNCTIONS[token]) throw new ExpressionError(`no function ${token}(); use one of ${EXPRESSION_FUNCTIONS.join(", ")}`);
    take("(");
    const args: ExpressionNode[] = [];
    while (peek() !== ")") {
      args.push(expression());
      if (peek() === ",") take(",");
      else break;
    }
    take(")");
    return { kind: "call", fn: token, args };
  };
  const product = binary(primary, ["*", "/", "%"]);
  const sum = binary(product, ["+", "-"]);
  const comparison = binary(sum, ["==", "!=", "<=", ">=", "<", ">"]);
  const and = binary(comparison, ["&&"]);
  const or = binary(and, ["||"]);
  function expression(): ExpressionNode {
    const test = or();
    if (peek() !== "?") return test;
    take("?");
    const then = expression();
    take(":");
    return { kind: "if", test, then, else: expression() };
  }
  const tree = expression();
  if (i < tokens.length) throw new ExpressionError(`unexpected "${tokens[i]}" in ${source}`);
  return tree;
}

/** Every name an expression reads (`slot.months`, `account.balance_cents`). */
export function expressionNames(node: ExpressionNode): string[] {
  switch (node.kind) {
    case "name":
      return [node.path];
    case "unary":
      return expressionNames(node.arg);
    case "binary":
      return [...expressionNames(node.left), ...expressionNames(node.right)];
    case "if":
      return [...expressionNames(node.test), ...expressionNames(node.then), ...expressionNames(node.else)];
    case "call":
      return node.args.flatMap(expressionNames);
    default:
      return [];
  }
}

/** The value of an expression, reading names through `read`; undefined where a number was wanted and is not there. */
export function evaluateExpression(node: ExpressionNode, read: (path: string) => unknown): unknown {
  const value = (n: ExpressionNode) => evaluateExpression(n, read);
  switch (node.kind) {
    case "number":
    case "text":
    case "bool":
      return node.value;
    case "name":
      return read(node.path);
    case "unary":
      return node.op === "!" ? !truthy(value(node.arg)) : negate(asNumber(value(node.arg)));
    case "if":
      return truthy(value(node.test)) ? value(node.then) : value(node.else);
    case "call": {
      const args = node.args.map((arg) => asNumber(value(arg)));
      if (args.some((x) => x === undefined)) return undefined;
      return finite(FUNCTIONS[node.fn]?.(...(args as number[])));
    }
    case "binary":
      return binaryValue(node.op, value(node.left), () => value(node.right));
  }
}

function binaryValue(op: string, left: unknown, rightOf: () => unknown): unknown {
  if (op === "&&") return truthy(left) ? truthy(rightOf()) : false;
  if (op === "||") return truthy(left) ? true : truthy(rightOf());
  const right = rightOf();
  if (op === "==" || op === "!=") return same(left, right) === (op === "==");
  const a = asNumber(left);
  const b = asNumber(right);
  if (a === undefined || b === undefined) return op === "+" || op === "-" || op === "*" || op === "/" || op === "%" ? undefined : false;
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return finite(a / b);
    case "%":
      return finite(a % b);
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}

/** Numbers, and text that is a number ("12"); nothing else counts in arithmetic. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

function negate(value: number | undefined): number | undefined {
  return value === undefined ? undefined : -value;
}

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Equal as numbers when both are, else as text ignoring case (as `when: {x} == v` compares). */
function same(a: unknown, b: unknown): boolean {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined) return x === y;
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  return String(a).toLowerCase() === String(b).toLowerCase();
}

function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === "" || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}
