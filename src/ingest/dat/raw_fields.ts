/**
 * The `name=value` rendering libtraceevent falls back to when an event's
 * print format cannot be parsed (`[FAILED TO PARSE] a=1 b=2`, from
 * `tep_print_fields` / `print_field_raw`).
 *
 * @module
 */

import { hex, i64 } from "./c_printf.ts";
import { type EventFormat, type FieldDef, FieldFlag } from "./event_format.ts";
import { dynamicSpan, readNumber, type RecordView } from "./record_view.ts";

function printable(bytes: Uint8Array, from: number, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const c = bytes[from + i];
    if (c === undefined || c === 0) return true;
    const print = c >= 0x20 && c < 0x7f;
    const space = c === 0x20 || (c >= 0x09 && c <= 0x0d);
    if (!print && !space) return false;
  }
  return true;
}

function signedText(v: bigint, f: FieldDef): string {
  switch (f.size) {
    case 4:
      return f.flags & FieldFlag.LONG
        ? "0x" + (v & 0xffffffffn).toString(16)
        : String(BigInt.asIntN(32, v));
    case 2:
      return String(BigInt.asIntN(16, v)).padStart(2, " ");
    case 1:
      return String(BigInt.asIntN(8, v));
    default:
      return i64(v);
  }
}

/** `print_field_raw`: one field's value. May clear the field's STRING flag, as libtraceevent does. */
export function rawFieldText(r: RecordView, f: FieldDef): string {
  if (f.flags & FieldFlag.ARRAY) {
    let offset = f.offset;
    let len = f.size;
    if (f.flags & FieldFlag.DYNAMIC) ({ offset, len } = dynamicSpan(r, f));
    const from = r.base + offset;
    if ((f.flags & FieldFlag.STRING) && printable(r.bytes, from, len)) {
      let end = r.bytes.indexOf(0, from);
      if (end < 0) end = r.bytes.length;
      return new TextDecoder().decode(r.bytes.subarray(from, end));
    }
    const parts: string[] = [];
    for (let i = 0; i < len; i++) {
      parts.push((r.bytes[from + i] ?? 0).toString(16).padStart(2, "0"));
    }
    f.flags &= ~FieldFlag.STRING;
    return `ARRAY[${parts.join(", ")}]`;
  }
  const v = readNumber(r, f.offset, f.size);
  if (f.flags & FieldFlag.POINTER) return "0x" + hex(v);
  if (f.flags & FieldFlag.SIGNED) return signedText(v, f);
  return f.flags & FieldFlag.LONG ? "0x" + hex(v) : v.toString();
}

/** ` name=value` for every field of the event, in order. */
export function rawFieldsText(r: RecordView, ev: EventFormat): string {
  let out = "";
  for (const f of ev.fields) out += ` ${f.name}=${rawFieldText(r, f)}`;
  return out;
}
