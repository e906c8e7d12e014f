/**
 * Reads everything before the event data of a trace.dat: the initial
 * header, then either the v6 sequence (header page, formats, kallsyms,
 * printk, cmdlines, CPU count, options, flyrecord offsets) or the v7
 * options and sections, possibly compressed.
 *
 * @module
 */

import { decompressorFor } from "./compression.ts";
import { applyOption } from "./meta_options.ts";
import {
  readCmdlines,
  readEventFormats,
  readFtraceFormats,
  readHeaderInfo,
  readKallsyms,
  readPrintk,
} from "./meta_sections.ts";
import { type BufferInfo, type DatMeta, emptyMeta, Opt } from "./meta_types.ts";
import { readSectionsV7 } from "./meta_v7.ts";
import type { RandomAccess, ReadCounter } from "./random_access.ts";
import { SeqReader } from "./seq_reader.ts";

const MAGIC = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67];

/** True when `head` starts with the trace.dat magic (`\x17\x08\x44tracing`). */
export function isTraceDat(head: Uint8Array): boolean {
  if (head.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (head[i] !== MAGIC[i]) return false;
  return true;
}

/** The clock a v6 `trace_clock` text selects (`[local] global` → `local`). */
export function selectedClock(text: string): string | undefined {
  return /\[([^\]\s]+)\]/.exec(text)?.[1];
}

/** More CPUs than Linux supports (NR_CPUS ≤ 8192) means a corrupt count. */
export const MAX_CPUS = 8192;

async function readCpuTable(r: SeqReader, count: number, into: BufferInfo): Promise<void> {
  if (count > MAX_CPUS) throw r.error(`implausible CPU count ${count} in`);
  for (let cpu = 0; cpu < count; cpu++) {
    await r.need(16);
    const offset = r.u64n();
    const size = r.u64n();
    into.cpus.push({ cpu, offset, size });
  }
}

async function readOptionsV6(r: SeqReader, meta: DatMeta): Promise<boolean> {
  r.section = "options";
  let clock = false;
  for (;;) {
    await r.need(2);
    const id = r.u16();
    if (id === Opt.DONE) return clock;
    await r.need(4);
    const size = r.u32();
    const at = r.pos;
    await r.need(size);
    const data = r.bytes(size);
    if (id === Opt.TRACECLOCK) clock = true;
    try {
      applyOption(meta, id, data);
    } catch (err) {
      throw r.error(err instanceof Error ? err.message + " in" : "bad", at);
    }
  }
}

/** The 10-byte tag after the CPU count (`options  `, `flyrecord`, `latency  `). */
async function readTag(r: SeqReader): Promise<string> {
  return (await r.text(10)).replace(/[\0 ]+$/, "");
}

async function readV6(r: SeqReader, meta: DatMeta): Promise<void> {
  await readHeaderInfo(r, meta);
  await readFtraceFormats(r, meta);
  await readEventFormats(r, meta);
  await readKallsyms(r, meta);
  await readPrintk(r, meta);
  await readCmdlines(r, meta);
  r.section = "options";
  await r.need(4);
  meta.cpuCount = r.u32();
  let tag = await readTag(r);
  let clock = false;
  if (tag === "options") {
    clock = await readOptionsV6(r, meta);
    tag = await readTag(r);
  }
  const top: BufferInfo = {
    name: "",
    clock: undefined,
    pageSize: meta.pageSize,
    cpus: [],
    compressed: false,
    latency: tag === "latency",
    offset: r.pos,
  };
  meta.buffers.unshift(top);
  if (tag === "latency") return;
  if (tag !== "flyrecord") throw r.error(`unknown data kind "${tag}" in`, r.pos - 10);
  r.section = "flyrecord";
  await readCpuTable(r, meta.cpuCount, top);
  if (clock) {
    await r.need(8);
    const size = r.u64n();
    top.clock = selectedClock(await r.text(size));
    meta.clock = top.clock;
  }
  for (const buf of meta.buffers.slice(1)) {
    r.pos = buf.offset;
    r.section = "buffer";
    let t = await readTag(r);
    if (t === "options") {
      await readOptionsV6(r, meta);
      t = await readTag(r);
    }
    if (t !== "flyrecord") throw r.error(`unknown data kind "${t}" in`, r.pos - 10);
    buf.clock = top.clock;
    await readCpuTable(r, meta.cpuCount, buf);
  }
}

/** Reads the metadata of the trace.dat behind `ra`. */
export async function readMeta(ra: RandomAccess, counter?: ReadCounter): Promise<DatMeta> {
  const meta = emptyMeta();
  const r = new SeqReader(ra, 0, false, counter);
  r.section = "file header";
  await r.need(10);
  const magic = r.bytes(10);
  if (!isTraceDat(magic)) throw r.error("no trace.dat magic in", 0);
  const version = Number.parseInt(await r.cstring(16));
  if (version !== 6 && version !== 7) throw r.error(`unsupported version ${version} in`, 10);
  meta.version = version;
  await r.need(6);
  meta.bigEndian = r.u8() !== 0;
  r.bigEndian = meta.bigEndian;
  meta.longSize = r.u8();
  if (meta.longSize !== 4 && meta.longSize !== 8) {
    throw r.error(`bad long size ${meta.longSize} in`, r.pos - 1);
  }
  meta.kernelLong = meta.longSize;
  meta.pageSize = r.u32();
  if (meta.pageSize < 64 || meta.pageSize > 1 << 24) {
    throw r.error(`bad page size ${meta.pageSize} in`, r.pos - 4);
  }
  if (version === 6) {
    await readV6(r, meta);
  } else {
    meta.compression = await r.cstring(256);
    await r.cstring(256);
    meta.decompress = decompressorFor(meta.compression);
    if (meta.decompress === undefined) {
      throw r.error(`unknown compression "${meta.compression}" in`, r.pos);
    }
    await r.need(8);
    await readSectionsV7(r, meta, r.u64n());
  }
  return meta;
}
