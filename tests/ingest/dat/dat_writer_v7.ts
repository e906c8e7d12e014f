/**
 * Version 7 output for the test writer: sections for the metadata (each
 * optionally compressed), two chained options sections, and one flyrecord
 * section per buffer whose CPU data is compressed in chunks. It covers what
 * `trace-cmd convert` cannot make here: big-endian v7 and zlib compression.
 *
 * @module
 */

import * as zlib from "node:zlib";
import { Bytes, headerPage, type WCpu, type WFile } from "./dat_writer.ts";
import { buildPages } from "./dat_writer_pages.ts";

/** Compression of a v7 test file. */
export type V7Compression = "none" | "zstd" | "zlib";

const enc = new TextEncoder();
const HEADER_EVENT = "# compressed entry header\n\ttype_len    :    5 bits\n";

function compress(kind: V7Compression, data: Uint8Array): Uint8Array {
  const out = kind === "zstd" ? zlib.zstdCompressSync(data) : zlib.deflateSync(data);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Builds a version 7 trace.dat; `chunkPages` pages per compressed chunk. */
export function writeDatV7(f: WFile, kind: V7Compression = "zstd", chunkPages = 2): Uint8Array {
  const be = f.bigEndian ?? false;
  const L = f.longSize ?? 8;
  const kLong = f.kernelLong ?? L;
  const pageSize = f.pageSize ?? 4096;
  const b = new Bytes(be);
  const body = () => new Bytes(be);
  b.raw(new Uint8Array([0x17, 0x08, 0x44])).str("tracing", false).str("7");
  b.u8(be ? 1 : 0).u8(L).u32(pageSize).str(kind).str(kind === "none" ? "" : "1");
  const firstOptions = b.length;
  b.u64(0);
  const section = (id: number, data: Uint8Array, compressed: boolean): number => {
    const at = b.length;
    const payload = compressed && kind !== "none"
      ? new Bytes(be).u32(compress(kind, data).length).u32(data.length).raw(compress(kind, data))
        .done()
      : data;
    b.u16(id).u16(compressed && kind !== "none" ? 1 : 0).u32(0).u64(payload.length).raw(payload);
    return at;
  };
  const sized8 = (x: Bytes, t: string) => x.u64(enc.encode(t).length).str(t, false);
  const hdr = body().str("header_page");
  sized8(hdr, headerPage(kLong, pageSize));
  hdr.str("header_event");
  sized8(hdr, HEADER_EVENT);
  const ft = body().u32(f.ftrace?.length ?? 0);
  for (const t of f.ftrace ?? []) sized8(ft, t);
  const evs = body().u32(f.systems.length);
  for (const s of f.systems) {
    evs.str(s.name).u32(s.formats.length);
    for (const t of s.formats) sized8(evs, t);
  }
  const ks = enc.encode(f.kallsyms ?? "");
  const pk = enc.encode(f.printk ?? "");
  const cmd = body();
  sized8(cmd, f.cmdlines ?? "");
  const refs: [number, number][] = [
    [16, section(16, hdr.done(), true)],
    [17, section(17, ft.done(), true)],
    [18, section(18, evs.done(), true)],
    [19, section(19, body().u32(ks.length).raw(ks).done(), true)],
    [20, section(20, body().u32(pk.length).raw(pk).done(), false)],
    [21, section(21, cmd.done(), true)],
  ];
  const buffers = [{ name: "", cpus: f.cpus }, ...(f.instances ?? [])];
  const bufferOpts: Uint8Array[] = [];
  for (const buf of buffers) {
    const flyAt = b.length;
    b.u16(3).u16(kind === "none" ? 0 : 1).u32(0).u64(0);
    const table: { offset: number; size: number }[] = [];
    buf.cpus.forEach((cpu: WCpu) => {
      b.align(pageSize);
      const pages = buildPages(cpu, { bigEndian: be, kernelLong: kLong, pageSize });
      const offset = b.length;
      if (kind === "none") b.raw(pages);
      else {
        const step = chunkPages * pageSize;
        const n = Math.ceil(pages.length / step);
        b.u32(n);
        for (let i = 0; i < n; i++) {
          const raw = pages.subarray(i * step, (i + 1) * step);
          const packed = compress(kind, raw);
          b.u32(packed.length).u32(raw.length).raw(packed);
        }
      }
      // trace-cmd records the compressed size without the chunk count.
      table.push({ offset, size: b.length - offset - (kind === "none" ? 0 : 4) });
    });
    const opt = body().u64(flyAt).str(buf.name).str("local").u32(pageSize).u32(table.length);
    table.forEach((t, cpu) => opt.u32(cpu).u64(t.offset).u64(t.size));
    bufferOpts.push(opt.done());
  }
  const second = body();
  for (const o of bufferOpts) second.u16(3).u32(o.length).raw(o);
  second.u16(0).u32(8).u64(0);
  const secondAt = section(0, second.done(), false);
  const first = body();
  for (const [id, at] of refs) first.u16(id).u32(8).u64(at);
  first.u16(8).u32(4).u32(f.cpus.length);
  for (const o of f.options ?? []) first.u16(o.id).u32(o.data.length).raw(o.data);
  first.u16(0).u32(8).u64(secondAt);
  const firstAt = section(0, first.done(), false);
  const out = b.done();
  new DataView(out.buffer).setBigUint64(firstOptions, BigInt(firstAt), !be);
  return out;
}
