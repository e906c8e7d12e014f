/**
 * Field text → values. Most events print `key=value` pairs separated by
 * blanks (sometimes with a trailing comma); a few stock events print free
 * text and get their own decoders in `stock.ts`. Parsing happens on demand,
 * only for events a stage actually looks at.
 *
 * @module
 */

/**
 * Parses `key=value key2=value2, ...` into a map. A value runs to the next
 * blank; one trailing comma is dropped. Words without `=` are ignored.
 *
 * @example
 * ```ts
 * import { parseKeyValues } from "./fields.ts";
 * const f = parseKeyValues("func=flush_tlb_func, csd=0000000085942b2e");
 * if (f.get("func") !== "flush_tlb_func") throw new Error();
 * ```
 */
export function parseKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
    const start = i;
    while (i < n && text.charCodeAt(i) !== 0x20 && text.charCodeAt(i) !== 0x09) i++;
    const eq = text.indexOf("=", start);
    if (eq > start && eq < i) {
      let end = i;
      if (text.charCodeAt(end - 1) === 0x2c /* , */) end--;
      out.set(text.slice(start, eq), text.slice(eq + 1, end));
    }
  }
  return out;
}

/**
 * The value of `key=` in text where that value may contain blanks (task
 * names such as `CPU 0/KVM`): everything up to ` next=` (searched from the
 * end, since a comm may itself contain `pid=`).
 */
export function valueBefore(text: string, key: string, next: string): string | undefined {
  let at: number;
  if (text.startsWith(key)) {
    at = 0;
  } else {
    const i = text.indexOf(" " + key);
    if (i < 0) return undefined;
    at = i + 1;
  }
  const from = at + key.length;
  const stop = text.lastIndexOf(" " + next);
  if (stop < from) return undefined;
  return text.slice(from, stop);
}

/** Parses a decimal or `0x` hexadecimal integer that fits a double exactly; `undefined` otherwise. */
export function parseInteger(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  const hex = text.startsWith("0x") || text.startsWith("0X");
  const body = hex ? text.slice(2) : text;
  if (body === "" || !(hex ? /^[0-9a-fA-F]+$/ : /^-?[0-9]+$/).test(body)) return undefined;
  const v = hex ? parseInt(body, 16) : parseInt(body, 10);
  return Number.isSafeInteger(v) ? v : undefined;
}

/** Parses a decimal or `0x` hexadecimal integer of any size into a bigint; `undefined` when malformed. */
export function parseBigInteger(text: string | undefined): bigint | undefined {
  if (text === undefined || text === "") return undefined;
  const hex = text.startsWith("0x") || text.startsWith("0X");
  const body = hex ? text.slice(2) : text;
  if (body === "" || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(body)) return undefined;
  return BigInt(hex ? "0x" + body : body);
}
