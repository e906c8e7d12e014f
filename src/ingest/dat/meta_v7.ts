/**
 * trace.dat v7: a chain of options sections (each ending in a DONE option
 * that points at the next), options that locate the metadata sections, and
 * sections that may be compressed as one block
 * (`u32 compressed size, u32 size, data`).
 *
 * @module
 */

import { applyOption, type SectionRef } from "./meta_options.ts";
import {
  readCmdlines,
  readEventFormats,
  readFtraceFormats,
  readHeaderInfo,
  readKallsyms,
  readPrintk,
} from "./meta_sections.ts";
import { type DatMeta, Opt } from "./meta_types.ts";
import { memoryRandomAccess } from "./random_access.ts";
import { SeqReader } from "./seq_reader.ts";

/** A section header: id, flags (bit 0: compressed), size. */
export interface SectionHeader {
  /** Section id. */
  readonly id: number;
  /** Flags; bit 0 means compressed. */
  readonly flags: number;
  /** Size of the section in the file. */
  readonly size: number;
}

/** Reads the 16-byte section header at `offset`. */
export async function readSectionHeader(r: SeqReader, offset: number): Promise<SectionHeader> {
  r.pos = offset;
  r.section = "section header";
  await r.need(16);
  const id = r.u16();
  const flags = r.u16();
  r.skip(4); // description string id
  const size = r.u64n();
  return { id, flags, size };
}

/**
 * Positions a reader at the data of the section at `offset`, which must
 * have id `id`; a compressed section is decompressed into memory first.
 */
async function openSection(
  r: SeqReader,
  meta: DatMeta,
  offset: number,
  id: number,
): Promise<SeqReader> {
  const hdr = await readSectionHeader(r, offset);
  if (hdr.id !== id) throw r.error(`section id ${hdr.id} (expected ${id}) in`, offset);
  if (!(hdr.flags & 1)) return r;
  r.section = "compression";
  await r.need(8);
  const csize = r.u32();
  const usize = r.u32();
  await r.need(csize);
  const data = r.bytes(csize);
  let plain: Uint8Array;
  try {
    plain = meta.decompress!(data, usize);
  } catch {
    throw r.error("corrupt compressed block in", offset);
  }
  const sub = new SeqReader(memoryRandomAccess(r.name, plain), 0, meta.bigEndian);
  sub.reportBase = offset;
  return sub;
}

async function readOptionsSection(
  r: SeqReader,
  meta: DatMeta,
  offset: number,
  refs: SectionRef[],
): Promise<number> {
  const s = await openSection(r, meta, offset, Opt.DONE);
  s.section = "options";
  for (;;) {
    await s.need(6);
    const id = s.u16();
    const size = s.u32();
    const at = s.pos;
    await s.need(size);
    const data = s.bytes(size);
    if (id === Opt.DONE) {
      if (size < 8) throw s.error("short DONE option in", at);
      const v = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, !meta.bigEndian);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw s.error("bad next-options offset in", at);
      return Number(v);
    }
    try {
      const ref = applyOption(meta, id, data);
      if (ref) refs.push(ref);
    } catch (err) {
      throw s.error(err instanceof Error ? err.message + " in" : "bad", at);
    }
  }
}

const READERS: ReadonlyMap<number, (r: SeqReader, meta: DatMeta) => Promise<void>> = new Map([
  [Opt.HEADER_INFO, readHeaderInfo],
  [Opt.FTRACE_EVENTS, readFtraceFormats],
  [Opt.EVENT_FORMATS, readEventFormats],
  [Opt.KALLSYMS, readKallsyms],
  [Opt.PRINTK, readPrintk],
  [Opt.CMDLINES, readCmdlines],
]);

/** Reads the v7 options chain starting at `first`, then the sections it names. */
export async function readSectionsV7(r: SeqReader, meta: DatMeta, first: number): Promise<void> {
  const refs: SectionRef[] = [];
  const seen = new Set<number>();
  for (let off = first; off !== 0;) {
    if (seen.has(off)) throw r.error("options chain loops in", off);
    seen.add(off);
    off = await readOptionsSection(r, meta, off, refs);
  }
  refs.sort((a, b) => a.id - b.id);
  for (const ref of refs) {
    const read = READERS.get(ref.id);
    if (!read) continue;
    const s = await openSection(r, meta, ref.offset, ref.id);
    await read(s, meta);
  }
  meta.buffers.sort((a, b) => (a.name === "" ? 0 : 1) - (b.name === "" ? 0 : 1));
  for (const buf of meta.buffers) {
    if (buf.latency) continue;
    const hdr = await readSectionHeader(r, buf.offset);
    buf.compressed = (hdr.flags & 1) !== 0;
  }
  if (meta.cpuCount === 0) meta.cpuCount = meta.buffers[0]?.cpus.length ?? 0;
}
