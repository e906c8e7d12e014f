/**
 * A small trace.dat (version 6) writer for tests: it lays out the header,
 * event formats, kallsyms, cmdlines, options and ring-buffer pages the way
 * trace-cmd does, in either byte order and with 4- or 8-byte longs, so the
 * reader can be checked against `trace-cmd report` on files whose every
 * byte the test controls. `trace-cmd convert` turns the output into v7.
 *
 * @module
 */

/** One record to put in a CPU's ring buffer. */
export interface WRecord {
  /** Absolute timestamp. */
  readonly ts: bigint;
  /** Payload, common fields included. */
  readonly data: Uint8Array;
  /** Write the timestamp as an absolute TIME_STAMP entry before the record. */
  readonly absolute?: boolean;
  /** Write a discarded-event PADDING entry of this many payload bytes before the record. */
  readonly discardedBefore?: number;
}

/** One page-level override: lost events flagged on the page holding record `atRecord`. */
export interface WLost {
  /** Index of the first record of the page that carries the flag. */
  readonly atRecord: number;
  /** Count stored after the data, or `undefined` to set only the flag. */
  readonly count?: number;
}

/** One CPU's records. */
export interface WCpu {
  /** Records in time order. */
  readonly records: readonly WRecord[];
  /** Records that start a new page (besides overflow). */
  readonly pageBreaks?: readonly number[];
  /** Lost-event flags. */
  readonly lost?: readonly WLost[];
}

/** Everything a test file holds. */
export interface WFile {
  /** Big-endian numbers. */
  readonly bigEndian?: boolean;
  /** Size of `long` in the file header (user space). */
  readonly longSize?: 4 | 8;
  /** Size of `long` in the kernel (the page header's commit field). */
  readonly kernelLong?: 4 | 8;
  /** Ring-buffer page size. */
  readonly pageSize?: number;
  /** ftrace event formats (system `ftrace`). */
  readonly ftrace?: readonly string[];
  /** Other systems and their event formats. */
  readonly systems: readonly { readonly name: string; readonly formats: readonly string[] }[];
  /** /proc/kallsyms text. */
  readonly kallsyms?: string;
  /** printk_formats text. */
  readonly printk?: string;
  /** saved_cmdlines text. */
  readonly cmdlines?: string;
  /** Per-CPU data of the top buffer. */
  readonly cpus: readonly WCpu[];
  /** Trace clock text (`[local] global`); adds a TRACECLOCK option. */
  readonly clock?: string;
  /** Extra options (id, payload). */
  readonly options?: readonly { readonly id: number; readonly data: Uint8Array }[];
  /** Instances (buffers other than the top one). */
  readonly instances?: readonly { readonly name: string; readonly cpus: readonly WCpu[] }[];
}

const enc = new TextEncoder();

/** A growable byte buffer with endian-aware writes. */
export class Bytes {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  /** Bytes written. */
  length = 0;
  readonly #le: boolean;

  /** @param bigEndian byte order of numbers */
  constructor(bigEndian = false) {
    this.#le = !bigEndian;
  }

  #grow(n: number): number {
    if (this.length + n > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, this.length + n));
      next.set(this.#buf);
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  /** Appends raw bytes. */
  raw(b: Uint8Array): this {
    const at = this.#grow(b.length);
    this.#buf.set(b, at);
    return this;
  }
  /** Appends text, optionally NUL-terminated. */
  str(s: string, nul = true): this {
    this.raw(enc.encode(s));
    if (nul) this.u8(0);
    return this;
  }
  /** Appends a byte. */
  u8(v: number): this {
    const at = this.#grow(1);
    this.#buf[at] = v;
    return this;
  }
  /** Appends a 16-bit number. */
  u16(v: number): this {
    const at = this.#grow(2);
    this.#view.setUint16(at, v, this.#le);
    return this;
  }
  /** Appends a 32-bit number. */
  u32(v: number): this {
    const at = this.#grow(4);
    this.#view.setUint32(at, v >>> 0, this.#le);
    return this;
  }
  /** Appends a 64-bit number. */
  u64(v: bigint | number): this {
    const at = this.#grow(8);
    this.#view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), this.#le);
    return this;
  }
  /** Appends a `long` of `size` bytes. */
  long(v: bigint | number, size: number): this {
    return size === 8 ? this.u64(v) : this.u32(Number(BigInt.asUintN(32, BigInt(v))));
  }
  /** Overwrites a 64-bit number at `at`. */
  setU64(at: number, v: bigint | number): void {
    this.#view.setBigUint64(at, BigInt(v), this.#le);
  }
  /** Pads with zeros to a multiple of `n`. */
  align(n: number): this {
    while (this.length % n) this.u8(0);
    return this;
  }
  /** The bytes written. */
  done(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }
}

/** header_page text for a kernel long of `size` bytes and `pageSize` pages. */
export function headerPage(size: number, pageSize: number): string {
  const data = pageSize - 8 - size;
  return `\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n` +
    `\tfield: local_t commit;\toffset:8;\tsize:${size};\tsigned:1;\n` +
    `\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n` +
    `\tfield: char data;\toffset:${8 + size};\tsize:${data};\tsigned:1;\n`;
}

const HEADER_EVENT = "# compressed entry header\n\ttype_len    :    5 bits\n" +
  "\ttime_delta  :   27 bits\n\tarray       :   32 bits\n\n\tpadding     : type == 29\n" +
  "\ttime_extend : type == 30\n\ttime_stamp : type == 31\n\tdata max type_len  == 28\n";

export { buildPages } from "./dat_writer_pages.ts";
import { buildPages } from "./dat_writer_pages.ts";

function sized8(b: Bytes, text: string): void {
  const t = enc.encode(text);
  b.u64(t.length).raw(t);
}

/** Builds a version 6 trace.dat file. */
export function writeDatV6(f: WFile): Uint8Array {
  const be = f.bigEndian ?? false;
  const longSize = f.longSize ?? 8;
  const kLong = f.kernelLong ?? longSize;
  const pageSize = f.pageSize ?? 4096;
  const b = new Bytes(be);
  b.raw(new Uint8Array([0x17, 0x08, 0x44])).str("tracing", false).str("6");
  b.u8(be ? 1 : 0).u8(longSize).u32(pageSize);
  b.str("header_page");
  sized8(b, headerPage(kLong, pageSize));
  b.str("header_event");
  sized8(b, HEADER_EVENT);
  b.u32(f.ftrace?.length ?? 0);
  for (const t of f.ftrace ?? []) sized8(b, t);
  b.u32(f.systems.length);
  for (const s of f.systems) {
    b.str(s.name).u32(s.formats.length);
    for (const t of s.formats) sized8(b, t);
  }
  const ks = enc.encode(f.kallsyms ?? "");
  b.u32(ks.length).raw(ks);
  const pk = enc.encode(f.printk ?? "");
  b.u32(pk.length).raw(pk);
  sized8(b, f.cmdlines ?? "");
  b.u32(f.cpus.length);
  b.str("options  ", false).u8(0);
  const instanceSlots: number[] = [];
  for (const inst of f.instances ?? []) {
    const name = enc.encode(inst.name);
    b.u16(3).u32(8 + name.length + 1);
    instanceSlots.push(b.length);
    b.u64(0).raw(name).u8(0);
  }
  if (f.clock !== undefined) b.u16(4).u32(0);
  for (const o of f.options ?? []) b.u16(o.id).u32(o.data.length).raw(o.data);
  b.u16(0);
  b.str("flyrecord", false).u8(0);
  const topSlots = f.cpus.map(() => {
    const at = b.length;
    b.u64(0).u64(0);
    return at;
  });
  if (f.clock !== undefined) sized8(b, f.clock);
  const instSlots = (f.instances ?? []).map((inst, i) => {
    b.setU64(instanceSlots[i], b.length);
    b.str("flyrecord", false).u8(0);
    return inst.cpus.map(() => {
      const at = b.length;
      b.u64(0).u64(0);
      return at;
    });
  });
  const place = (cpus: readonly WCpu[], slots: number[]) => {
    cpus.forEach((cpu, i) => {
      b.align(pageSize);
      const pages = buildPages(cpu, { bigEndian: be, kernelLong: kLong, pageSize });
      b.setU64(slots[i], pages.length ? b.length : 0);
      b.setU64(slots[i] + 8, pages.length);
      b.raw(pages);
    });
  };
  place(f.cpus, topSlots);
  (f.instances ?? []).forEach((inst, i) => place(inst.cpus, instSlots[i]));
  return b.done();
}
