/**
 * Builds event payloads for the test writer from a format description:
 * values are placed by field name at the offsets the format declares.
 *
 * @module
 */

import { parseEventFormat } from "../../../src/ingest/dat/event_format.ts";

const enc = new TextEncoder();

/** A value for one field: a number, a string (char arrays, `__data_loc`), or raw bytes. */
export type FieldValue = number | bigint | string | Uint8Array;

/** Encodes records of one event format. */
export class PayloadBuilder {
  readonly id: number;
  readonly #fields: Map<string, { offset: number; size: number; dynamic: boolean }>;
  readonly #size: number;
  readonly #le: boolean;

  /**
   * @param format the format text
   * @param system its subsystem
   * @param bigEndian byte order
   * @param longSize user-space long size (for the parser)
   */
  constructor(format: string, system: string, bigEndian = false, longSize = 8) {
    const ev = parseEventFormat(format, system, longSize);
    if (!ev) throw new Error(`bad test format:\n${format}`);
    this.id = ev.id;
    this.#le = !bigEndian;
    this.#fields = new Map();
    let end = 0;
    for (const f of [...ev.commonFields, ...ev.fields]) {
      this.#fields.set(f.name, {
        offset: f.offset,
        size: f.size,
        dynamic: f.type.startsWith("__data_loc"),
      });
      end = Math.max(end, f.offset + f.size);
    }
    this.#size = end;
  }

  /** A record with `common_type` set, `pid` and the given field values. */
  build(pid: number, values: Record<string, FieldValue>, flags = 0, preempt = 0): Uint8Array {
    const dyn: { at: number; bytes: Uint8Array }[] = [];
    let tail = this.#size;
    const all: Record<string, FieldValue> = {
      common_type: this.id,
      common_flags: flags,
      common_preempt_count: preempt,
      common_pid: pid,
      ...values,
    };
    for (const [name, v] of Object.entries(all)) {
      const f = this.#fields.get(name);
      if (!f) throw new Error(`no field ${name}`);
      if (f.dynamic) {
        const bytes = typeof v === "string" ? enc.encode(v + "\0") : v as Uint8Array;
        dyn.push({ at: f.offset, bytes });
        tail += bytes.length;
      }
    }
    const buf = new Uint8Array(tail);
    const view = new DataView(buf.buffer);
    let dynAt = this.#size;
    for (const [name, v] of Object.entries(all)) {
      const f = this.#fields.get(name)!;
      if (f.dynamic) {
        const bytes = typeof v === "string" ? enc.encode(v + "\0") : v as Uint8Array;
        view.setUint32(f.offset, ((bytes.length << 16) | dynAt) >>> 0, this.#le);
        buf.set(bytes, dynAt);
        dynAt += bytes.length;
        continue;
      }
      if (typeof v === "string" || v instanceof Uint8Array) {
        buf.set((typeof v === "string" ? enc.encode(v) : v).subarray(0, f.size), f.offset);
        continue;
      }
      const big = BigInt.asUintN(64, BigInt(v));
      switch (f.size) {
        case 1:
          buf[f.offset] = Number(big & 0xffn);
          break;
        case 2:
          view.setUint16(f.offset, Number(big & 0xffffn), this.#le);
          break;
        case 4:
          view.setUint32(f.offset, Number(big & 0xffffffffn), this.#le);
          break;
        case 8:
          view.setBigUint64(f.offset, big, this.#le);
          break;
        default:
          throw new Error(`field ${name} of size ${f.size} needs bytes`);
      }
    }
    return buf;
  }
}
