/**
 * A window on one event record inside a buffer of ring-buffer pages, with
 * the reads libtraceevent does on it (`tep_read_number`, dynamic
 * `__data_loc` offsets, C strings).
 *
 * @module
 */

import { decodeBytes } from "../ascii.ts";
import { type FieldDef, FieldFlag } from "./event_format.ts";

/** The bytes of one record. Reused from record to record by the reader. */
export interface RecordView {
  /** Buffer holding the record. */
  bytes: Uint8Array;
  /** A view over the same memory as `bytes`. */
  view: DataView;
  /** Offset of the record in `bytes`. */
  base: number;
  /** Record length in bytes. */
  size: number;
  /** Byte order of the file. */
  bigEndian: boolean;
}

/** A view of `data` as one record. */
export function recordOf(data: Uint8Array, bigEndian: boolean): RecordView {
  return {
    bytes: data,
    view: new DataView(data.buffer, data.byteOffset, data.byteLength),
    base: 0,
    size: data.length,
    bigEndian,
  };
}

/** An unsigned number of `size` bytes at record offset `off`; 0 for other sizes. */
export function readNumber(r: RecordView, off: number, size: number): bigint {
  const at = r.base + off;
  if (off < 0 || at + size > r.bytes.length) return 0n;
  switch (size) {
    case 1:
      return BigInt(r.bytes[at]);
    case 2:
      return BigInt(r.view.getUint16(at, !r.bigEndian));
    case 4:
      return BigInt(r.view.getUint32(at, !r.bigEndian));
    case 8:
      return r.view.getBigUint64(at, !r.bigEndian);
    default:
      return 0n;
  }
}

/** Like {@link readNumber} for sizes up to 4, as a JS number. */
export function readSmall(r: RecordView, off: number, size: number): number {
  const at = r.base + off;
  if (off < 0 || at + size > r.bytes.length) return 0;
  switch (size) {
    case 1:
      return r.bytes[at];
    case 2:
      return r.view.getUint16(at, !r.bigEndian);
    case 4:
      return r.view.getUint32(at, !r.bigEndian);
    default:
      return 0;
  }
}

/** `%llx` of an unsigned number of `size` bytes at `off`, without `bigint` work. */
export function hexAt(r: RecordView, off: number, size: number): string {
  if (size !== 8) return readSmall(r, off, size).toString(16);
  const at = r.base + off;
  if (off < 0 || at + 8 > r.bytes.length) return "0";
  const le = !r.bigEndian;
  const hi = r.view.getUint32(le ? at + 4 : at, le);
  const lo = r.view.getUint32(le ? at : at + 4, le);
  return hi ? hi.toString(16) + lo.toString(16).padStart(8, "0") : lo.toString(16);
}

/** Offset and length of a dynamic field's data (libtraceevent's `dynamic_offset_field`). */
export function dynamicSpan(r: RecordView, f: FieldDef): { offset: number; len: number } {
  if (f.offset + f.size > r.size) return { offset: 0, len: 0 };
  const val = Number(readNumber(r, f.offset, f.size) & 0xffffffffn);
  const o = val & 0xffff;
  const l = f.size === 2 ? r.size - o : (val >>> 16) & 0xffff;
  let offset = o > r.size ? 0 : o;
  const len = o + l > r.size ? 0 : l;
  if (f.flags & FieldFlag.RELATIVE) offset += f.offset + f.size;
  return { offset, len };
}

/** The C string at record offset `off`, stopping at NUL or `end` (record offset). */
export function cString(r: RecordView, off: number, end = r.size): string {
  const from = r.base + Math.max(0, off);
  const to = Math.min(r.base + end, r.bytes.length);
  if (from >= to) return "";
  let nul = r.bytes.indexOf(0, from);
  if (nul < 0 || nul > to) nul = to;
  return decodeBytes(r.bytes, from, nul);
}
