/**
 * The special printers of libtraceevent: bitmasks (`__get_bitmask`, hex
 * words separated by commas), CPU masks (`__get_cpumask`), and the `%pM`
 * MAC, `%pI4`/`%pI6` IP and `%pU` UUID pointer extensions.
 *
 * @module
 */

import type { PArg } from "./fmt_ast.ts";
import type { RecordView } from "./record_view.ts";

function h2(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/** `print_bitmask_to_seq`: the mask as hex, most significant byte first, a comma every 32 bits. */
export function bitmaskText(data: Uint8Array, bigEndian: boolean): string {
  const size = data.length;
  const nrBits = size * 8;
  const strSize = Math.floor((nrBits + 3) / 4) + Math.floor((nrBits - 1) / 32);
  if (size === 0) return "";
  const out: string[] = new Array(Math.max(strSize, 0)).fill("");
  let len = 0;
  for (let i = strSize - 2; i >= 0; i -= 2) {
    const index = bigEndian ? size - (len + 1) : len;
    const s = h2(data[index] ?? 0);
    out[i] = s[0];
    out[i + 1] = s[1];
    len++;
    if (!(len & 3) && i > 0) {
      i--;
      out[i] = ",";
    }
  }
  return out.join("");
}

/** `print_cpumask_to_seq`: the set CPUs as ranges (`0-3,8`). */
export function cpumaskText(data: Uint8Array, bigEndian: boolean): string {
  const size = data.length;
  const ranges: string[] = [];
  let first = -1;
  for (let bit = 0; bit <= size * 8; bit++) {
    let set = false;
    if (bit < size * 8) {
      const i = bit >> 3;
      const byte = data[bigEndian ? size - (i + 1) : i];
      set = ((byte >> (bit & 7)) & 1) === 1;
    }
    if (set && first < 0) first = bit;
    if (!set && first >= 0) {
      ranges.push(bit - 1 > first ? `${first}-${bit - 1}` : `${first}`);
      first = -1;
    }
  }
  return ranges.join(",");
}

function fieldBytes(a: PArg, r: RecordView, size: number): Uint8Array | string {
  let arg = a;
  while (arg.kind === "type" && arg.item) arg = arg.item;
  if (arg.kind !== "field") return `ARG TYPE NOT FIELD BUT ${KIND_CODES[arg.kind] ?? 0}`;
  if (!arg.field) return "";
  if (arg.field.size !== size) return "";
  return r.bytes.subarray(r.base + arg.field.offset, r.base + arg.field.offset + size);
}

const KIND_CODES: Record<string, number> = {
  null: 0,
  atom: 1,
  field: 2,
  flags: 3,
  symbol: 4,
  hex: 5,
  type: 6,
  string: 7,
  bstring: 8,
  dynarray: 9,
  op: 10,
  func: 11,
  bitmask: 12,
  dynarraylen: 13,
  hexstr: 14,
  intarray: 15,
  cpumask: 16,
};

/** `%pM`, `%pMR`, `%pMF`, `%pm`: a 6-byte MAC address field. */
export function macText(f: string, a: PArg, r: RecordView): string {
  let arg = a;
  while (arg.kind === "type" && arg.item) arg = arg.item;
  if (arg.kind === "field" && arg.field && arg.field.size !== 6) return "INVALIDMAC";
  const b = fieldBytes(a, r, 6);
  if (typeof b === "string") return b;
  const order = f[1] === "R" ? [5, 4, 3, 2, 1, 0] : [0, 1, 2, 3, 4, 5];
  const sep = f[0] === "m" ? "" : f[0] === "M" && f[1] === "F" ? "-" : ":";
  return order.map((i) => h2(b[i])).join(sep);
}

function ip4(b: Uint8Array, lead: boolean, reverse: boolean): string {
  const o = reverse ? [3, 2, 1, 0] : [0, 1, 2, 3];
  return o.map((i) => (lead ? String(b[i]).padStart(3, "0") : String(b[i]))).join(".");
}

function ip6Compressed(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
  const v4 = (words[0] | words[1] | words[2] | words[3] | words[4]) === 0 && words[5] === 0xffff;
  const isatap = (words[4] | 0x0200) === 0x0200 && words[5] === 0x5efe;
  const range = v4 || isatap ? 6 : 8;
  let longest = 1;
  let colon = -1;
  for (let i = 0; i < range; i++) {
    let n = 0;
    for (let j = i; j < range && words[j] === 0; j++) n++;
    if (n > longest) {
      longest = n;
      colon = i;
    }
  }
  let out = "";
  let need = false;
  for (let i = 0; i < range; i++) {
    if (i === colon) {
      if (need || i === 0) out += ":";
      out += ":";
      need = false;
      i += longest - 1;
      continue;
    }
    if (need) out += ":";
    out += words[i].toString(16);
    need = true;
  }
  if (v4 || isatap) out += (need ? ":" : "") + ip4(b.subarray(12), false, false);
  return out;
}

/** `%pI4`, `%pi4`, `%pI6`, `%pi6`, `%pI6c` on a field of the right size. */
export function ipText(f: string, a: PArg, r: RecordView): string {
  const lead = f[0] === "i";
  if (f[1] === "4") {
    const b = fieldBytes(a, r, 4);
    if (typeof b === "string") return b || "INVALIDIPv4";
    const reverse = f[2] === "l" || f[2] === "h";
    return ip4(b, lead, reverse && !(f[2] === "h" && r.bigEndian));
  }
  if (f[1] === "6") {
    const b = fieldBytes(a, r, 16);
    if (typeof b === "string") return b || "INVALIDIPv6";
    if (!lead && f[2] === "c") return ip6Compressed(b);
    const parts: string[] = [];
    for (let j = 0; j < 16; j += 2) parts.push(h2(b[j]) + h2(b[j + 1]));
    return parts.join(lead ? "" : ":");
  }
  return "";
}

/** `%pU` (and `b`, `B`, `l`, `L` variants) on a 16-byte field. */
export function uuidText(f: string, a: PArg, r: RecordView): string {
  const b = fieldBytes(a, r, 16);
  if (typeof b === "string") return b || "INVALIDUUID";
  const guid = f[1] === "l" || f[1] === "L";
  const index = guid
    ? [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]
    : [...Array(16).keys()];
  const upper = f[1] === "L" || f[1] === "B";
  let out = "";
  index.forEach((ix, i) => {
    const s = h2(b[ix]);
    out += upper ? s.toUpperCase() : s;
    if (i === 3 || i === 5 || i === 7 || i === 9) out += "-";
  });
  return out;
}
