/**
 * Recognizes what an input is from its first bytes: a text format kvmreq
 * reads, or a binary file (trace.dat, ELF, compressed data, …) that gets one
 * clear message instead of thousands of per-line errors.
 *
 * @module
 */

import type { InputFormat } from "../events/types.ts";
import { CH } from "./ascii.ts";
import { createLineScan, LineKind, scanFtraceLine } from "./ftrace_line.ts";

/** The outcome of sniffing: a text format, or a description of binary bytes. */
export type SniffResult =
  | { readonly kind: "text"; readonly format: InputFormat }
  | { readonly kind: "binary"; readonly looksLike: string; readonly hint: string }
  | { readonly kind: "document"; readonly looksLike: string };

/** Text that is a document, not a trace (kvmreq's own HTML report, an SVG): its first non-blank bytes. */
const DOCUMENTS: readonly [string, string][] = [
  ["<!doctype html", "an HTML document"],
  ["<html", "an HTML document"],
  ["<?xml", "an XML document"],
  ["<svg", "an SVG image"],
];

const TRACE_DAT_MAGIC = [0x17, 0x08, 0x44, ...new TextEncoder().encode("tracing")];

interface Magic {
  readonly bytes: readonly number[];
  readonly looksLike: string;
  readonly hint: string;
}

const DECOMPRESS_HINT = "decompress it first and pass the text (e.g. `zcat FILE | kvmreq lint -`)";

const MAGICS: readonly Magic[] = [
  {
    bytes: [0x7f, 0x45, 0x4c, 0x46],
    looksLike: "an ELF executable or object",
    hint: "pass a trace, such as /sys/kernel/tracing/trace or `trace-cmd report` output",
  },
  { bytes: [0x1f, 0x8b], looksLike: "gzip-compressed data", hint: DECOMPRESS_HINT },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], looksLike: "zstd-compressed data", hint: DECOMPRESS_HINT },
  { bytes: [0x42, 0x5a, 0x68], looksLike: "bzip2-compressed data", hint: DECOMPRESS_HINT },
  {
    bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
    looksLike: "xz-compressed data",
    hint: DECOMPRESS_HINT,
  },
  {
    bytes: [...new TextEncoder().encode("PERFILE2")],
    looksLike: "a perf.data file",
    hint: "use `perf script` to turn it into text, or record with ftrace",
  },
  { bytes: [0x50, 0x4b, 0x03, 0x04], looksLike: "a zip archive", hint: "unpack it first" },
  {
    bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    looksLike: "a PNG image",
    hint: "pass a trace",
  },
  { bytes: [0xff, 0xd8, 0xff], looksLike: "a JPEG image", hint: "pass a trace" },
  {
    bytes: [...new TextEncoder().encode("%PDF-")],
    looksLike: "a PDF document",
    hint: "pass a trace",
  },
];

/**
 * Share of NUL and other control bytes in the first 4 KB above which
 * unrecognized bytes are called binary. A text trace can carry a stray NUL
 * (a torn write, a comm with garbage): one NUL in a 780 KB trace made all of
 * it "binary"; the lines holding such bytes are skipped and counted instead.
 */
const BINARY_SHARE = 1 / 32;

/** Said with every "binary" verdict that is only a guess (no known magic). */
export const FORCE_TEXT_HINT =
  "if it is a trace after all, read it as text with --input-format ftrace (or trace-pipe, report, jsonl)";

function startsWithBytes(head: Uint8Array, magic: readonly number[]): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}

/**
 * Sniffs the first bytes of an input (`head`, typically the first read).
 * Text is classified by its first non-blank line: `{` → JSON Lines,
 * `# tracer:` → trace file, `cpus=`/`version =` → trace-cmd report, an event
 * line → trace_pipe output.
 */
export function sniffInput(head: Uint8Array): SniffResult {
  if (startsWithBytes(head, TRACE_DAT_MAGIC)) {
    const version = head.length > 10 ? String.fromCharCode(head[10]) : "?";
    return {
      kind: "binary",
      looksLike: `a trace-cmd trace.dat file, version ${version}`,
      hint: "convert it with `trace-cmd report -i FILE > FILE.txt` and pass the text",
    };
  }
  for (const m of MAGICS) {
    if (startsWithBytes(head, m.bytes)) {
      return { kind: "binary", looksLike: m.looksLike, hint: m.hint };
    }
  }
  const probe = head.subarray(0, Math.min(head.length, 4096));
  let control = 0;
  let nul = 0;
  for (const c of probe) {
    if (c === 0) nul++;
    else if ((c < 0x20 && c !== CH.TAB && c !== CH.LF && c !== CH.CR) || c === 0x7f) control++;
  }
  if (nul + control > probe.length * BINARY_SHARE) {
    return {
      kind: "binary",
      looksLike:
        `unrecognized binary data: ${nul} NUL and ${control} other control bytes in the first ${probe.length}`,
      hint: `pass ftrace text, \`trace-cmd report\` text or kvmreq JSON Lines; ${FORCE_TEXT_HINT}`,
    };
  }
  let p = 0;
  while (p < probe.length && (probe[p] <= 0x20)) p++;
  const start = new TextDecoder().decode(probe.subarray(p, p + 16)).toLowerCase();
  for (const [prefix, looksLike] of DOCUMENTS) {
    if (start.startsWith(prefix)) return { kind: "document", looksLike };
  }
  return { kind: "text", format: classifyText(probe) };
}

function classifyText(probe: Uint8Array): InputFormat {
  const scan = createLineScan();
  let start = 0;
  while (start < probe.length) {
    let end = probe.indexOf(CH.LF, start);
    if (end < 0) end = probe.length;
    let p = start;
    while (p < end && (probe[p] === CH.SPACE || probe[p] === CH.TAB || probe[p] === CH.CR)) p++;
    if (p < end) {
      const c = probe[p];
      if (c === CH.LBRACE) return "jsonl";
      if (c === CH.HASH) return "ftrace";
      const text = String.fromCharCode(...probe.subarray(p, Math.min(end, p + 12)));
      if (text.startsWith("cpus=") || text.startsWith("version =")) return "report";
      const kind = scanFtraceLine(probe, p, end, scan);
      if (kind === LineKind.Event || kind === LineKind.StackHeader) return "trace-pipe";
      if (kind === LineKind.Lost) return "trace-pipe";
    }
    start = end + 1;
  }
  return "ftrace";
}
