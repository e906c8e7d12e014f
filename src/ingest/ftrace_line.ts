/**
 * Scanner for one line of ftrace text: `/sys/kernel/tracing/trace`,
 * `trace_pipe` and `trace-cmd report` output. It works on byte offsets and
 * fills a reusable {@link LineScan}; nothing is turned into a string here, so
 * lines the caller does not keep cost only the scan.
 *
 * The event layout the kernel prints (kernel/trace/trace_output.c,
 * trace_print_context) is
 *
 * ```
 *   %16s-%-7d [(%7d) ][%03d] [flags ] %5lu.%06lu: name: fields
 * ```
 *
 * The comm can contain spaces, `-`, `/` and brackets, so the scanner anchors
 * on the CPU field: the first `[digits]` preceded by `-pid` (and optionally a
 * `(tgid)` group). Every step is a forward or bounded backward walk; there is
 * no regular expression and no backtracking.
 *
 * @module
 */

import { CH, isBlank, isDigit } from "./ascii.ts";
import { NAME_HASH_PRIME, NAME_HASH_SEED } from "./name_table.ts";
import type { SkipReason } from "./skip_reasons.ts";

/** What a scanned line turned out to be. */
export const LineKind = {
  /** An event line; offsets in the scan locate its parts. */
  Event: 0,
  /** A `<stack trace>` / `kernel_stack` event line: frames follow. */
  StackHeader: 1,
  /** A `=> function` frame line; `fieldsStart..fieldsEnd` is the frame. */
  StackFrame: 2,
  /** A `#` header line, `cpus=N`, `CPU N is empty` or a blank line. */
  Header: 3,
  /** `CPU:N [LOST M EVENTS]`; `cpu` and `lostCount` are set. */
  Lost: 4,
  /** `##### CPU N buffer started ####`; `cpu` is set. */
  BufferStarted: 5,
  /** Not readable; `skipReason` says why. */
  Skip: 6,
} as const;
/** One of the {@link LineKind} values. */
export type LineKind = typeof LineKind[keyof typeof LineKind];

/**
 * What the scanner finds in an event line: byte offsets of its parts and its
 * numbers. The parallel reader sends exactly these between threads
 * (parallel/chunk_scan.ts: `writeEventScan`, `RecordLine`).
 */
export interface EventScan {
  /** Start of the comm (leading padding skipped). */
  commStart: number;
  /** End of the comm (exclusive). */
  commEnd: number;
  /** Thread id. */
  pid: number;
  /** 0: no tgid column; 1: `tgid` holds a number; 2: printed as `(-------)`. */
  tgidKind: 0 | 1 | 2;
  /** Thread-group id when `tgidKind === 1`. */
  tgid: number;
  /** CPU number (events and markers). */
  cpu: number;
  /** Start of the irq-info flag column, -1 when the column is absent. */
  flagsStart: number;
  /** End of the flag column (exclusive). */
  flagsEnd: number;
  /** Start of the timestamp text. */
  tsStart: number;
  /** End of the timestamp text (exclusive, before the `:`). */
  tsEnd: number;
  /** 1 when the timestamp has no fraction (a counter clock: ticks), 0 when it has one (ns). */
  tsTicks: number;
  /**
   * The timestamp as two exact integers, `tsHi × 10⁹ + tsLo`: seconds and
   * nanoseconds (the fraction's first nine digits), or for ticks the count
   * split at 10⁹. `tsHi` is -1 when the whole part has more than 15 digits
   * (more than a double holds exactly): the text then has to be read as a
   * `bigint`.
   */
  tsHi: number;
  /** See {@link tsHi}. */
  tsLo: number;
  /** Start of the event name. */
  nameStart: number;
  /** End of the event name (exclusive). */
  nameEnd: number;
  /** FNV-1a hash of the event name bytes (see `nameHash` in name_table.ts). */
  nameHash: number;
  /** Start of the field text (or of the frame, for a frame line). */
  fieldsStart: number;
  /** End of the field text (exclusive, trailing blanks removed). */
  fieldsEnd: number;
}

/** Offsets and numbers found in one line; reused from line to line. */
export interface LineScan extends EventScan {
  /** Events lost, for a Lost marker; -1 when the marker gives no count. */
  lostCount: number;
  /** Why the line was skipped, for `LineKind.Skip`. */
  skipReason: SkipReason;
  /**
   * The last event name scanned (bytes, length, hash): consecutive lines
   * mostly share their event, and comparing bytes with it costs less than
   * hashing them again. Scanner state, not part of a line's result.
   */
  readonly lastName: Uint8Array;
  /** Length of {@link lastName} in use; 0 when none. */
  lastNameLen: number;
  /** Hash of {@link lastName}. */
  lastNameHash: number;
}

/** Powers of ten up to 10⁹ (scaling a fraction of fewer than nine digits to ns). */
const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1e9];

/** Longest event name {@link LineScan.lastName} remembers. */
const LAST_NAME_MAX = 64;

/** Creates a scan record to pass to {@link scanFtraceLine}. */
export function createLineScan(): LineScan {
  return {
    commStart: 0,
    commEnd: 0,
    pid: 0,
    tgidKind: 0,
    tgid: 0,
    cpu: 0,
    flagsStart: -1,
    flagsEnd: -1,
    tsStart: 0,
    tsEnd: 0,
    tsTicks: 0,
    tsHi: 0,
    tsLo: 0,
    nameStart: 0,
    nameEnd: 0,
    nameHash: 0,
    fieldsStart: 0,
    fieldsEnd: 0,
    lostCount: -1,
    skipReason: "not-a-trace-line",
    lastName: new Uint8Array(LAST_NAME_MAX),
    lastNameLen: 0,
    lastNameHash: 0,
  };
}

function skip(out: LineScan, reason: SkipReason): LineKind {
  out.skipReason = reason;
  return LineKind.Skip;
}

/** True when `buf[at..]` starts with the ASCII text `text`. */
function startsWith(buf: Uint8Array, at: number, end: number, text: string): boolean {
  if (end - at < text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (buf[at + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** Reads a run of decimal digits at `at`; returns the end offset, or -1 when none. */
function digitsEnd(buf: Uint8Array, at: number, end: number): number {
  let i = at;
  while (i < end && isDigit(buf[i])) i++;
  return i === at ? -1 : i;
}

function readUint(buf: Uint8Array, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 10 + (buf[i] - CH.ZERO);
  return v;
}

function hasControlBytes(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c < 0x20 && c !== CH.TAB) return true;
    if (c === 0x7f) return true;
  }
  return false;
}

/**
 * Scans the line `buf[start, end)` (no line terminator) and classifies it.
 * Offsets of the parts are written to `out`.
 *
 * @example
 * ```ts
 * import { createLineScan, LineKind, scanFtraceLine } from "./ftrace_line.ts";
 * const line = new TextEncoder().encode(
 *   " CPU 0/KVM-6459    [000] d..1.  8678.237572: kvm_entry: vcpu 0, rip 0xffff",
 * );
 * const scan = createLineScan();
 * const kind = scanFtraceLine(line, 0, line.length, scan);
 * if (kind !== LineKind.Event || scan.pid !== 6459 || scan.cpu !== 0) throw new Error();
 * ```
 */
export function scanFtraceLine(
  buf: Uint8Array,
  start: number,
  end: number,
  out: LineScan,
): LineKind {
  // Trailing blanks and a CR (files that went through Windows) carry nothing.
  let c = 0;
  while (end > start && ((c = buf[end - 1]) === 0x20 || c === 0x09 || c === 0x0d)) end--;
  return scanTrimmed(buf, start, end, out);
}

/** {@link scanFtraceLine} on a line whose trailing blanks are already cut. */
function scanTrimmed(buf: Uint8Array, start: number, end: number, out: LineScan): LineKind {
  let c = 0;
  let p = start;
  while (p < end && ((c = buf[p]) === 0x20 || c === 0x09)) p++;
  if (p === end) return LineKind.Header;
  const first = buf[p];
  if (first === CH.HASH) {
    // "##### CPU 3 buffer started ####"
    if (startsWith(buf, p, end, "##### CPU ")) {
      const d = digitsEnd(buf, p + 10, end);
      if (d > 0 && startsWith(buf, d, end, " buffer started")) {
        out.cpu = readUint(buf, p + 10, d);
        return LineKind.BufferStarted;
      }
    }
    return LineKind.Header;
  }
  if (first === 0x3d /* '=' */ && p + 1 < end && buf[p + 1] === CH.GT) {
    let f = p + 2;
    while (f < end && isBlank(buf[f])) f++;
    let fe = end;
    // trace-cmd prints "=> func (ffffffffa0123456)": drop the address.
    if (buf[fe - 1] === CH.RPAREN) {
      let q = fe - 2;
      while (q > f && buf[q] !== CH.LPAREN) q--;
      if (q > f && buf[q - 1] === CH.SPACE) {
        fe = q - 1;
        while (fe > f && isBlank(buf[fe - 1])) fe--;
      }
    }
    out.fieldsStart = f;
    out.fieldsEnd = fe;
    return LineKind.StackFrame;
  }
  if (first === 0x43 /* 'C' */) {
    const kind = scanCpuLine(buf, p, end, out);
    if (kind !== undefined) return kind;
  }
  if (
    (first === 0x63 /* c */ && startsWith(buf, p, end, "cpus=")) ||
    (first === 0x76 /* v */ && startsWith(buf, p, end, "version ="))
  ) {
    return LineKind.Header;
  }
  return scanEventLine(buf, p, end, out);
}

/** Entries of a {@link PrefixCache} (slot numbers run below this). */
export const PREFIX_SLOTS = 64;
/** Longest prefix a {@link PrefixCache} remembers. */
const PREFIX_MAX = 64;

/**
 * How the context prefix of recent event lines scanned: the bytes before the
 * timestamp (`   CPU 0/KVM-6459    [000] d..1.  `), and the comm, pid,
 * tgid, CPU and flag offsets found in them. Lines of one thread on one CPU
 * with one flag column share that prefix byte for byte, and everything the
 * scanner decides before the timestamp depends only on those bytes (given
 * that the timestamp starts with a digit where it did before, and the line
 * goes on past it), so a line whose prefix matches skips straight to its
 * timestamp. Used by {@link scanFtraceLineCached}.
 */
export class PrefixCache {
  readonly #bytes = new Uint8Array(PREFIX_SLOTS * PREFIX_MAX);
  readonly #view = new DataView(this.#bytes.buffer);
  /** Prefix length per slot (0: empty). */
  readonly #length = new Int32Array(PREFIX_SLOTS);
  readonly #offsets = new Int32Array(PREFIX_SLOTS * 4);
  readonly #numbers = new Float64Array(PREFIX_SLOTS * 4);
  readonly #stamps = new Int32Array(PREFIX_SLOTS);
  /**
   * The slot that holds the prefix of the line scanned last (it matched, or
   * was stored), -1 when none. Its comm and flags texts are those of every
   * line that matches the slot until {@link stampOf} the slot changes.
   */
  lastSlot: number = -1;

  /** Changes whenever slot `slot` takes a new prefix. */
  stampOf(slot: number): number {
    return this.#stamps[slot];
  }

  /**
   * Scans like {@link scanFtraceLine}; `view` is a `DataView` of `buf`.
   *
   * @example
   * ```ts
   * import { createLineScan, LineKind, PrefixCache, scanFtraceLine } from "./ftrace_line.ts";
   * const text = " CPU 0/KVM-6459    [000] d..1.  8678.237572: kvm_entry: vcpu 0\n" +
   *   " CPU 0/KVM-6459    [000] d..1.  8678.237580: kvm_exit: vcpu 0 reason HLT\n";
   * const buf = new TextEncoder().encode(text);
   * const view = new DataView(buf.buffer);
   * const cache = new PrefixCache();
   * const a = createLineScan();
   * const b = createLineScan();
   * const nl = text.indexOf("\n");
   * cache.scan(buf, view, 0, nl, a);
   * cache.scan(buf, view, nl + 1, buf.length - 1, a); // served from the cache
   * scanFtraceLine(buf, nl + 1, buf.length - 1, b);
   * const result = (s: typeof a) => [s.cpu, s.pid, s.commStart, s.tsStart, s.nameStart, s.nameEnd];
   * if (String(result(a)) !== String(result(b)) || a.cpu !== 0) throw new Error();
   * ```
   */
  scan(buf: Uint8Array, view: DataView, start: number, end: number, out: LineScan): LineKind {
    let c = 0;
    while (end > start && ((c = buf[end - 1]) === 0x20 || c === 0x09 || c === 0x0d)) end--;
    const len = end - start;
    this.lastSlot = -1;
    if (len < 40) return scanTrimmed(buf, start, end, out);
    // Slot from the bytes where ftrace puts the comm's end, the pid, the CPU
    // and the flags: lines differing there have different prefixes.
    let h = Math.imul(view.getInt32(start + 8, true), 0x9e3779b1);
    h = Math.imul(h ^ view.getInt32(start + 18, true), 0x85ebca6b);
    h = Math.imul(h ^ view.getInt32(start + 25, true), 0xc2b2ae35);
    h = Math.imul(h ^ view.getInt32(start + 31, true), 0x27d4eb2f);
    const slot = (h ^ (h >>> 15) ^ (h >>> 26)) & (PREFIX_SLOTS - 1);
    const p = this.#length[slot];
    if (p > 0 && p < len && (c = buf[start + p]) >= 0x30 && c <= 0x39) {
      const at = slot * PREFIX_MAX;
      const mine = this.#view;
      let i = 0;
      const words = p - 3;
      while (i < words && mine.getInt32(at + i, true) === view.getInt32(start + i, true)) i += 4;
      if (i >= words) {
        const bytes = this.#bytes;
        while (i < p && bytes[at + i] === buf[start + i]) i++;
        if (i === p) {
          const o = slot * 4;
          const offsets = this.#offsets;
          const numbers = this.#numbers;
          out.commStart = start + offsets[o];
          out.commEnd = start + offsets[o + 1];
          const fs = offsets[o + 2];
          out.flagsStart = fs < 0 ? -1 : start + fs;
          out.flagsEnd = fs < 0 ? -1 : start + offsets[o + 3];
          out.pid = numbers[o];
          out.tgidKind = numbers[o + 1] as 0 | 1 | 2;
          out.tgid = numbers[o + 2];
          out.cpu = numbers[o + 3];
          this.lastSlot = slot;
          return scanFromTimestamp(buf, start + p, end, out);
        }
      }
    }
    const kind = scanTrimmed(buf, start, end, out);
    if (kind === LineKind.Event || kind === LineKind.StackHeader) {
      const prefix = out.tsStart - start;
      if (prefix <= PREFIX_MAX) {
        const bytes = this.#bytes;
        const at = slot * PREFIX_MAX;
        for (let i = 0; i < prefix; i++) bytes[at + i] = buf[start + i];
        this.#length[slot] = prefix;
        const o = slot * 4;
        this.#offsets[o] = out.commStart - start;
        this.#offsets[o + 1] = out.commEnd - start;
        this.#offsets[o + 2] = out.flagsStart < 0 ? -1 : out.flagsStart - start;
        this.#offsets[o + 3] = out.flagsStart < 0 ? -1 : out.flagsEnd - start;
        this.#numbers[o] = out.pid;
        this.#numbers[o + 1] = out.tgidKind;
        this.#numbers[o + 2] = out.tgid;
        this.#numbers[o + 3] = out.cpu;
        this.#stamps[slot]++;
        this.lastSlot = slot;
      }
    }
    return kind;
  }
}

/** `CPU:N [LOST M EVENTS]`, `CPU:N [M EVENTS DROPPED]`, `CPU N is empty`. */
function scanCpuLine(buf: Uint8Array, p: number, end: number, out: LineScan): LineKind | undefined {
  if (startsWith(buf, p, end, "CPU:")) {
    const d = digitsEnd(buf, p + 4, end);
    if (d < 0 || !startsWith(buf, d, end, " [")) return undefined;
    out.cpu = readUint(buf, p + 4, d);
    let q = d + 2;
    if (startsWith(buf, q, end, "LOST ")) {
      q += 5;
      const n = digitsEnd(buf, q, end);
      if (n > 0 && startsWith(buf, n, end, " EVENTS]")) {
        out.lostCount = readUint(buf, q, n);
        return LineKind.Lost;
      }
      if (startsWith(buf, q, end, "EVENTS]")) {
        out.lostCount = -1;
        return LineKind.Lost;
      }
      return skip(out, "bad-marker");
    }
    const n = digitsEnd(buf, q, end);
    if (n > 0 && startsWith(buf, n, end, " EVENTS DROPPED]")) {
      out.lostCount = readUint(buf, q, n);
      return LineKind.Lost;
    }
    return skip(out, "bad-marker");
  }
  if (startsWith(buf, p, end, "CPU ")) {
    const d = digitsEnd(buf, p + 4, end);
    if (d > 0 && startsWith(buf, d, end, " is empty")) return LineKind.Header;
  }
  return undefined;
}

/**
 * Finds the `[cpu]` field and the `comm-pid [(tgid)]` context before it.
 * Returns the offset just past `]`, or -1. (Hot path: comparisons inlined.)
 */
function findContext(buf: Uint8Array, p: number, end: number, out: LineScan): number {
  let search = p;
  while (search < end) {
    // A plain loop: the bracket is a few dozen bytes in, closer than a native call's overhead.
    let lb = search;
    while (lb < end && buf[lb] !== 0x5b /* [ */) lb++;
    if (lb >= end) return -1;
    search = lb + 1;
    let de = lb + 1;
    let c = 0;
    while (de < end && (c = buf[de]) >= 0x30 && c <= 0x39) de++;
    if (de === lb + 1 || de >= end || buf[de] !== 0x5d /* ] */) continue;
    // Walk back over the blanks between the pid (or tgid) and the bracket.
    let q = lb - 1;
    if (q < p || ((c = buf[q]) !== 0x20 && c !== 0x09)) continue;
    while (q > p && ((c = buf[q]) === 0x20 || c === 0x09)) q--;
    let tgidKind: 0 | 1 | 2 = 0;
    let tgid = 0;
    if (buf[q] === 0x29 /* ) */) {
      let o = q - 1;
      while (o > p && buf[o] !== 0x28 /* ( */) o--;
      if (buf[o] !== 0x28) continue;
      let t = o + 1;
      while (t < q && ((c = buf[t]) === 0x20 || c === 0x09)) t++;
      if (buf[t] === 0x2d /* - */) {
        tgidKind = 2;
      } else {
        let te = t;
        while (te < q && (c = buf[te]) >= 0x30 && c <= 0x39) te++;
        if (te === t || te !== q) continue;
        tgidKind = 1;
        tgid = readUint(buf, t, te);
      }
      q = o - 1;
      while (q > p && ((c = buf[q]) === 0x20 || c === 0x09)) q--;
    }
    // q is the last pid digit.
    const pidEnd = q + 1;
    while (q >= p && (c = buf[q]) >= 0x30 && c <= 0x39) q--;
    if (q + 1 === pidEnd || q < p || buf[q] !== 0x2d /* - */) continue;
    let pid = 0;
    for (let i = q + 1; i < pidEnd; i++) pid = pid * 10 + (buf[i] - 0x30);
    let cpu = 0;
    for (let i = lb + 1; i < de; i++) cpu = cpu * 10 + (buf[i] - 0x30);
    out.pid = pid;
    out.commStart = p;
    out.commEnd = q;
    out.tgidKind = tgidKind;
    out.tgid = tgid;
    out.cpu = cpu;
    return de + 1;
  }
  return -1;
}

function scanEventLine(buf: Uint8Array, p: number, end: number, out: LineScan): LineKind {
  let q = findContext(buf, p, end, out);
  if (q < 0) {
    const latency = scanLatencyLine(buf, p, end, out);
    if (latency !== undefined) return latency;
    return skip(out, hasControlBytes(buf, p, end) ? "control-bytes" : "not-a-trace-line");
  }
  let c = 0;
  while (q < end && ((c = buf[q]) === 0x20 || c === 0x09)) q++;
  // The flag column never starts with a digit ('d', 'D', 'b', 'X' or '.');
  // the timestamp always does.
  out.flagsStart = -1;
  out.flagsEnd = -1;
  if (q < end && ((c = buf[q]) < 0x30 || c > 0x39)) {
    const fs = q;
    while (q < end && (c = buf[q]) !== 0x20 && c !== 0x09) q++;
    out.flagsStart = fs;
    out.flagsEnd = q;
    while (q < end && ((c = buf[q]) === 0x20 || c === 0x09)) q++;
  }
  return scanFromTimestamp(buf, q, end, out);
}

/**
 * `trace-cmd report -l` (latency format): `CPU 0/KV-27668   1.....  2538.035574: name: fields`,
 * the comm cut to 8 characters, no brackets: the CPU number runs straight into
 * the flag column, whose first character (irqs-off: `.`, `d`, `D`, `X`, `b`) is
 * never a digit. Returns `undefined` when the line is not in that layout.
 */
function scanLatencyLine(
  buf: Uint8Array,
  p: number,
  end: number,
  out: LineScan,
): LineKind | undefined {
  // The timestamp ends at the first ": ".
  let colon = p;
  while (colon < end - 1 && !(buf[colon] === 0x3a && isBlank(buf[colon + 1]))) colon++;
  if (colon >= end - 1) return undefined;
  let ts = colon;
  while (ts > p && (isDigit(buf[ts - 1]) || buf[ts - 1] === 0x2e)) ts--;
  if (ts === colon || !isBlank(buf[ts - 1])) return undefined;
  // The CPU+flags token before it.
  let te = ts;
  while (te > p && isBlank(buf[te - 1])) te--;
  let tb = te;
  while (tb > p && !isBlank(buf[tb - 1])) tb--;
  let fs = tb;
  while (fs < te && isDigit(buf[fs])) fs++;
  if (fs === tb || fs === te) return undefined;
  // comm-pid before that.
  let pe = tb;
  while (pe > p && isBlank(buf[pe - 1])) pe--;
  let pb = pe;
  while (pb > p && isDigit(buf[pb - 1])) pb--;
  if (pb === pe || pb - 1 < p || buf[pb - 1] !== CH.DASH) return undefined;
  out.commStart = p;
  out.commEnd = pb - 1;
  out.pid = readUint(buf, pb, pe);
  out.tgidKind = 0;
  out.tgid = 0;
  out.cpu = readUint(buf, tb, fs);
  out.flagsStart = fs;
  out.flagsEnd = te;
  return scanFromTimestamp(buf, ts, end, out);
}

/** The rest of an event line, from its timestamp at `q`: timestamp, name, fields. */
function scanFromTimestamp(buf: Uint8Array, q: number, end: number, out: LineScan): LineKind {
  let c = 0;
  const ts = q;
  // The value is read on the way: the digits are walked anyway.
  let whole = 0;
  while (q < end && (c = buf[q]) >= 0x30 && c <= 0x39) {
    whole = whole * 10 + (c - 0x30);
    q++;
  }
  if (q === ts) return skip(out, "bad-timestamp");
  const wholeDigits = q - ts;
  let ticks = 1;
  let lo = 0;
  if (q < end && buf[q] === 0x2e /* . */) {
    const frac = q + 1;
    q = frac;
    while (q < end && (c = buf[q]) >= 0x30 && c <= 0x39) {
      if (q - frac < 9) lo = lo * 10 + (c - 0x30);
      q++;
    }
    if (q === frac) return skip(out, "bad-timestamp");
    if (q - frac < 9) lo *= POW10[9 - (q - frac)];
    ticks = 0;
  }
  if (q >= end || buf[q] !== 0x3a /* : */) return skip(out, "bad-timestamp");
  out.tsStart = ts;
  out.tsEnd = q;
  out.tsTicks = ticks;
  if (wholeDigits > 15) {
    out.tsHi = -1;
    out.tsLo = 0;
  } else if (ticks === 1) {
    const hi = Math.floor(whole / 1e9);
    out.tsHi = hi;
    out.tsLo = whole - hi * 1e9;
  } else {
    out.tsHi = whole;
    out.tsLo = lo;
  }
  q++;
  while (q < end && ((c = buf[q]) === 0x20 || c === 0x09)) q++;
  const ns = q;
  if (buf[q] === 0x3c /* < */) {
    // ftrace's "<stack trace>" / "<user stack trace>": a bracketed name, no fields.
    let gt = q;
    while (gt < end && buf[gt] !== 0x3e /* > */) gt++;
    if (gt < end) {
      let h = NAME_HASH_SEED;
      for (let i = ns; i <= gt; i++) h = Math.imul(h ^ buf[i], NAME_HASH_PRIME);
      out.nameStart = ns;
      out.nameEnd = gt + 1;
      out.nameHash = h;
      out.fieldsStart = gt + 1;
      out.fieldsEnd = gt + 1;
      return isStackName(buf, ns, gt + 1) ? LineKind.StackHeader : LineKind.Event;
    }
  }
  // The name ends at the first ':' that is followed by a blank or the end;
  // its hash is computed on the way, for the name table. The same name as
  // the last line's (it has no ': ' inside) is recognized by its bytes.
  const ll = out.lastNameLen;
  const le = q + ll;
  if (
    ll > 0 && le < end && buf[le] === 0x3a &&
    (le + 1 === end || (c = buf[le + 1]) === 0x20 || c === 0x09)
  ) {
    const last = out.lastName;
    let i = 0;
    while (i < ll && buf[q + i] === last[i]) i++;
    if (i === ll) {
      out.nameStart = ns;
      out.nameEnd = le;
      out.nameHash = out.lastNameHash;
      q = le + 1;
      while (q < end && ((c = buf[q]) === 0x20 || c === 0x09)) q++;
      out.fieldsStart = q;
      out.fieldsEnd = end;
      return isStackName(buf, ns, le) ? LineKind.StackHeader : LineKind.Event;
    }
  }
  let h = NAME_HASH_SEED;
  while (q < end) {
    c = buf[q];
    if (c === 0x3a && (q + 1 === end || buf[q + 1] === 0x20 || buf[q + 1] === 0x09)) break;
    h = Math.imul(h ^ c, NAME_HASH_PRIME);
    q++;
  }
  if (q >= end || q === ns) return skip(out, "no-event-name");
  out.nameStart = ns;
  out.nameEnd = q;
  out.nameHash = h;
  if (q - ns <= LAST_NAME_MAX) {
    const last = out.lastName;
    for (let i = ns; i < q; i++) last[i - ns] = buf[i];
    out.lastNameLen = q - ns;
    out.lastNameHash = h;
  }
  q++;
  while (q < end && ((c = buf[q]) === 0x20 || c === 0x09)) q++;
  out.fieldsStart = q;
  out.fieldsEnd = end;
  return isStackName(buf, ns, out.nameEnd) ? LineKind.StackHeader : LineKind.Event;
}

/** `<stack trace>`, `<user stack trace>`, `kernel_stack`, `user_stack`. */
function isStackName(buf: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  if (buf[start] === CH.LT) {
    return buf[end - 1] === CH.GT && startsWith(buf, end - 6, end, "trace>");
  }
  return (len === 12 && startsWith(buf, start, end, "kernel_stack")) ||
    (len === 10 && startsWith(buf, start, end, "user_stack"));
}
