/**
 * trace.dat options: buffers (instances), clock, time offsets, TSC
 * conversion, CPU count and, in v7, where the metadata sections are.
 * Unknown options are skipped and counted.
 *
 * @module
 */

import { type DatMeta, Opt } from "./meta_types.ts";

const latin1 = new TextDecoder("latin1");

/** Reads numbers and strings out of one option's payload; `undefined` past its end. */
class OptReader {
  readonly #d: DataView;
  readonly #b: Uint8Array;
  readonly #le: boolean;
  pos = 0;

  constructor(data: Uint8Array, bigEndian: boolean) {
    this.#b = data;
    this.#d = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.#le = !bigEndian;
  }

  u32(): number | undefined {
    if (this.pos + 4 > this.#b.length) return undefined;
    const v = this.#d.getUint32(this.pos, this.#le);
    this.pos += 4;
    return v;
  }

  u64(): bigint | undefined {
    if (this.pos + 8 > this.#b.length) return undefined;
    const v = this.#d.getBigUint64(this.pos, this.#le);
    this.pos += 8;
    return v;
  }

  str(): string | undefined {
    const nul = this.#b.indexOf(0, this.pos);
    if (nul < 0) return undefined;
    const s = latin1.decode(this.#b.subarray(this.pos, nul));
    this.pos = nul + 1;
    return s;
  }
}

/** C `strtoll(text, NULL, 0)` of an option's text. */
function cNumber(data: Uint8Array): bigint {
  const text = latin1.decode(data).replace(/\0.*$/s, "").trim();
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(text);
  if (!m) return 0n;
  const digits = m[2];
  const mag = /^0[xX]/.test(digits)
    ? BigInt(digits)
    : digits.length > 1 && digits[0] === "0"
    ? BigInt("0o" + digits.slice(1))
    : BigInt(digits);
  return m[1] === "-" ? -mag : mag;
}

/** Where a v7 option says a metadata section is. */
export interface SectionRef {
  /** Section id (the option id). */
  readonly id: number;
  /** Absolute offset of the section header. */
  readonly offset: number;
}

/**
 * Applies option `id` with payload `data` to `meta`. Returns a v7 section
 * reference for the section-locating options; throws `Error` for a
 * malformed buffer option (the caller turns it into a format error).
 */
export function applyOption(meta: DatMeta, id: number, data: Uint8Array): SectionRef | undefined {
  const r = new OptReader(data, meta.bigEndian);
  switch (id) {
    case Opt.DATE:
      meta.tsOffset += cNumber(data) * 1000n;
      return undefined;
    case Opt.OFFSET:
      meta.tsOffset += cNumber(data);
      return undefined;
    case Opt.BUFFER:
    case Opt.BUFFER_TEXT:
      readBufferOption(meta, id, r);
      return undefined;
    case Opt.TSC2NSEC: {
      const mult = r.u32();
      const shift = r.u32();
      const offset = r.u64();
      if (mult !== undefined && shift !== undefined && offset !== undefined && shift <= 32) {
        meta.tsc2nsec = { mult, shift, offset };
      }
      return undefined;
    }
    case Opt.CPUCOUNT: {
      const n = r.u32();
      if (n !== undefined) meta.cpuCount = n;
      return undefined;
    }
    case Opt.UNAME:
      meta.uname = new TextDecoder().decode(data).replace(/\0.*$/s, "").trim();
      return undefined;
    case Opt.TRACECLOCK:
    case Opt.CPUSTAT:
    case Opt.HOOK:
    case Opt.VERSION:
    case Opt.PROCMAPS:
    case Opt.TRACEID:
    case Opt.GUEST:
      return undefined;
    case Opt.TIME_SHIFT:
      meta.ignoredOptions.set(id, (meta.ignoredOptions.get(id) ?? 0) + 1);
      return undefined;
    case Opt.HEADER_INFO:
    case Opt.FTRACE_EVENTS:
    case Opt.EVENT_FORMATS:
    case Opt.KALLSYMS:
    case Opt.PRINTK:
    case Opt.CMDLINES: {
      const offset = r.u64();
      if (offset === undefined || offset > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
      return { id, offset: Number(offset) };
    }
    default:
      meta.unknownOptions.set(id, (meta.unknownOptions.get(id) ?? 0) + 1);
      return undefined;
  }
}

function readBufferOption(meta: DatMeta, id: number, r: OptReader): void {
  const offset = r.u64();
  const name = r.str();
  if (offset === undefined || name === undefined || offset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error("malformed buffer option");
  }
  if (meta.version < 7) {
    meta.buffers.push({
      name,
      clock: undefined,
      pageSize: meta.pageSize,
      cpus: [],
      compressed: false,
      latency: false,
      offset: Number(offset),
    });
    return;
  }
  const clock = r.str();
  if (clock === undefined) throw new Error("malformed buffer option");
  if (name === "" && meta.clock === undefined) meta.clock = clock;
  if (id === Opt.BUFFER_TEXT) {
    meta.buffers.push({
      name,
      clock,
      pageSize: meta.pageSize,
      cpus: [],
      compressed: false,
      latency: true,
      offset: Number(offset),
    });
    return;
  }
  const pageSize = r.u32();
  const count = r.u32();
  if (pageSize === undefined || count === undefined || count > 8192) {
    throw new Error("malformed buffer option");
  }
  if (pageSize !== 0 && (pageSize < 64 || pageSize > 1 << 24)) {
    throw new Error("malformed buffer option");
  }
  const cpus = [];
  for (let i = 0; i < count; i++) {
    const cpu = r.u32();
    const off = r.u64();
    const size = r.u64();
    if (cpu === undefined || off === undefined || size === undefined) {
      throw new Error("malformed buffer option");
    }
    if (off > BigInt(Number.MAX_SAFE_INTEGER) || size > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Error("malformed buffer option");
    }
    cpus.push({ cpu, offset: Number(off), size: Number(size) });
  }
  meta.buffers.push({
    name,
    clock,
    pageSize: pageSize || meta.pageSize,
    cpus,
    compressed: false,
    latency: false,
    offset: Number(offset),
  });
}
