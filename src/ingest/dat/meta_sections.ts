/**
 * Readers for the metadata blocks shared by trace.dat v6 (one after the
 * other at the start of the file) and v7 (each in its own section): the
 * header page description, ftrace and event formats, kallsyms,
 * printk_formats and saved_cmdlines.
 *
 * @module
 */

import { readFormatHead } from "./event_format.ts";
import type { DatMeta } from "./meta_types.ts";
import type { SeqReader } from "./seq_reader.ts";

const utf8 = new TextDecoder("utf-8");

async function expectTag(r: SeqReader, tag: string): Promise<void> {
  const text = await r.text(tag.length + 1);
  if (text !== tag + "\0") throw r.error(`missing "${tag}" in`, r.pos - tag.length - 1);
}

/** The size of the page header's `commit` field (the kernel's long), from header_page text. */
export function commitSize(text: string, fallback: number): number {
  const m = /field:[^;]*\bcommit;\s*offset:\s*\d+;\s*size:\s*(\d+);/.exec(text);
  const size = m ? Number(m[1]) : fallback;
  return size === 4 || size === 8 ? size : fallback;
}

/** Reads `header_page` and `header_event`; sets the kernel long size. */
export async function readHeaderInfo(r: SeqReader, meta: DatMeta): Promise<void> {
  r.section = "header page";
  await expectTag(r, "header_page");
  await r.need(8);
  const pageText = await r.text(r.u64n());
  meta.kernelLong = commitSize(pageText, meta.longSize);
  await expectTag(r, "header_event");
  await r.need(8);
  const eventSize = r.u64n();
  await r.need(eventSize);
  r.skip(eventSize);
}

async function readFormat(r: SeqReader, meta: DatMeta, system: string): Promise<void> {
  await r.need(8);
  const text = await r.text(r.u64n());
  // Only the name and id now: a recording carries every event's format, and a
  // trace uses a few of them (the decoder parses those when first seen).
  const head = readFormatHead(text, system);
  if (head === undefined) meta.badFormats++;
  else meta.formats.push(head);
}

/** Reads the ftrace event formats (system `ftrace`). */
export async function readFtraceFormats(r: SeqReader, meta: DatMeta): Promise<void> {
  r.section = "ftrace formats";
  await r.need(4);
  const count = r.u32();
  for (let i = 0; i < count; i++) await readFormat(r, meta, "ftrace");
}

/** Reads the event formats of all other systems. */
export async function readEventFormats(r: SeqReader, meta: DatMeta): Promise<void> {
  r.section = "event formats";
  await r.need(4);
  const systems = r.u32();
  for (let s = 0; s < systems; s++) {
    const name = await r.cstring(4096);
    await r.need(4);
    const count = r.u32();
    for (let i = 0; i < count; i++) await readFormat(r, meta, name);
  }
}

/** Reads the kallsyms text (kept as bytes: it is megabytes, and read once). */
export async function readKallsyms(r: SeqReader, meta: DatMeta): Promise<void> {
  r.section = "kallsyms";
  await r.need(4);
  meta.kallsyms = await r.view(r.u32());
}

/** Reads the printk_formats text. */
export async function readPrintk(r: SeqReader, meta: DatMeta): Promise<void> {
  r.section = "printk formats";
  await r.need(4);
  meta.printk = await r.text(r.u32());
}

/** Reads the saved_cmdlines text (names decoded as UTF-8, like report text). */
export async function readCmdlines(r: SeqReader, meta: DatMeta): Promise<void> {
  r.section = "cmdlines";
  await r.need(8);
  const size = r.u64n();
  await r.need(size);
  meta.cmdlines = utf8.decode(r.bytes(size));
}

/** The printk format strings by address (`addr : "format"` lines). */
export function parsePrintk(text: string): Map<bigint, string> {
  const out = new Map<bigint, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const addrText = line.slice(0, colon).trim();
    if (!/^(0x)?[0-9a-fA-F]+$/.test(addrText)) continue;
    let fmt = line.slice(colon + 2);
    if (fmt.startsWith('"')) fmt = fmt.slice(1);
    if (fmt.endsWith('"')) fmt = fmt.slice(0, -1);
    if (fmt.endsWith("\\n")) fmt = fmt.slice(0, -2);
    out.set(BigInt(addrText.startsWith("0x") ? addrText : "0x" + addrText), fmt);
  }
  return out;
}
