/**
 * The subset of C `printf` that trace event formats use, with glibc's
 * output: integer conversions `d i u x X o c` with flags, width, precision
 * and the value's C width; `%s` with width and precision; `%p`. Values are
 * `bigint`s holding the 64-bit pattern; `bits` is the width of the C type
 * the value was cast to before printing.
 *
 * @module
 */

/** A parsed conversion specification (`%-08.3lx`). */
export interface Spec {
  /** Left-justify (`-`). */
  readonly left: boolean;
  /** Always print a sign (`+`). */
  readonly plus: boolean;
  /** Space before non-negative numbers. */
  readonly space: boolean;
  /** Alternate form (`#`). */
  readonly alt: boolean;
  /** Pad with zeros (`0`). */
  readonly zero: boolean;
  /** Minimum width, -1 when none, -2 when given by an argument (`*`). */
  readonly width: number;
  /** Precision, -1 when none, -2 when given by an argument (`.*`). */
  readonly precision: number;
  /** The conversion character. */
  readonly conv: string;
}

const SPEC = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(hh|h|ll|l|L|z|Z|j|t|q)*([a-zA-Z%])/;

/** Parses `fmt` (one conversion, as libtraceevent cuts it); `undefined` if malformed. */
export function parseSpec(fmt: string): Spec | undefined {
  const m = SPEC.exec(fmt);
  if (!m) return undefined;
  const flags = m[1];
  const width = m[2] === undefined ? -1 : m[2] === "*" ? -2 : Number(m[2]);
  const precision = m[3] === undefined ? -1 : m[3] === "*" ? -2 : Number(m[3] || "0");
  return {
    left: flags.includes("-"),
    plus: flags.includes("+"),
    space: flags.includes(" "),
    alt: flags.includes("#"),
    zero: flags.includes("0"),
    width,
    precision,
    conv: m[5],
  };
}

interface Sized {
  width: number;
  precision: number;
  left: boolean;
}

function resolve(spec: Spec, lenArg: number): Sized {
  let width = spec.width;
  let precision = spec.precision;
  let left = spec.left;
  if (width === -2) {
    width = lenArg;
    if (width < 0) {
      left = true;
      width = -width;
    }
  }
  if (precision === -2) precision = lenArg < 0 ? -1 : lenArg;
  return { width, precision, left };
}

function pad(body: string, width: number, left: boolean): string {
  if (body.length >= width) return body;
  const fill = " ".repeat(width - body.length);
  return left ? body + fill : fill + body;
}

/** Formats a string argument (`%s`, `%10s`, `%-.*s`, …). */
export function formatString(spec: Spec, s: string, lenArg = -1): string {
  const z = resolve(spec, lenArg);
  const body = z.precision >= 0 && s.length > z.precision ? s.slice(0, z.precision) : s;
  return pad(body, z.width, z.left);
}

/** Formats an integer whose bit pattern is `value`, cast to a `bits`-wide C type. */
export function formatInt(spec: Spec, value: bigint, bits: number, lenArg = -1): string {
  const z = resolve(spec, lenArg);
  const conv = spec.conv;
  const mask = (1n << BigInt(bits)) - 1n;
  let u = value & mask;
  if (conv === "c") return pad(String.fromCharCode(Number(u & 0xffn)), z.width, z.left);
  let sign = "";
  if (conv === "d" || conv === "i") {
    if (u >> BigInt(bits - 1)) {
      sign = "-";
      u = (mask + 1n) - u;
    } else if (spec.plus) sign = "+";
    else if (spec.space) sign = " ";
  }
  const base = conv === "x" || conv === "X" ? 16 : conv === "o" ? 8 : 10;
  let digits = u.toString(base);
  if (conv === "X") digits = digits.toUpperCase();
  if (z.precision >= 0) {
    digits = u === 0n && z.precision === 0 ? "" : digits.padStart(z.precision, "0");
  }
  let prefix = sign;
  if (spec.alt && u !== 0n && (conv === "x" || conv === "X")) prefix += conv === "x" ? "0x" : "0X";
  if (spec.alt && conv === "o" && !digits.startsWith("0")) digits = "0" + digits;
  if (spec.zero && !z.left && z.precision < 0) {
    const n = z.width - prefix.length - digits.length;
    if (n > 0) digits = "0".repeat(n) + digits;
  }
  return pad(prefix + digits, z.width, z.left);
}

/** glibc `%p`: `(nil)` for 0, else `0x` and lowercase hex. */
export function formatPointer(spec: Spec, value: bigint, lenArg = -1): string {
  const body = value === 0n ? "(nil)" : "0x" + value.toString(16);
  const z = resolve(spec, lenArg);
  return pad(body, z.width, z.left);
}

const simple = new Map<string, Spec>();

/** {@link parseSpec} with a cache, for formats written in code. */
export function spec(fmt: string): Spec {
  let s = simple.get(fmt);
  if (s === undefined) {
    s = parseSpec(fmt);
    if (s === undefined) throw new Error(`bad format ${fmt}`);
    simple.set(fmt, s);
  }
  return s;
}

/** `%llx` of a 64-bit pattern. */
export function hex(v: bigint): string {
  return v.toString(16);
}

/** `%lld` of a 64-bit pattern. */
export function i64(v: bigint): string {
  return BigInt.asIntN(64, v).toString();
}
