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

/** Offsets and numbers found in one line; reused from line to line. */
export interface LineScan {
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
  /** Start of the event name. */
  nameStart: number;
  /** End of the event name (exclusive). */
  nameEnd: number;
  /** Start of the field text (or of the frame, for a frame line). */
  fieldsStart: number;
  /** End of the field text (exclusive, trailing blanks removed). */
  fieldsEnd: number;
  /** Events lost, for a Lost marker; -1 when the marker gives no count. */
  lostCount: number;
  /** Why the line was skipped, for `LineKind.Skip`. */
  skipReason: SkipReason;
}

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
    nameStart: 0,
    nameEnd: 0,
    fieldsStart: 0,
    fieldsEnd: 0,
    lostCount: -1,
    skipReason: "not-a-trace-line",
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
  while (end > start && (isBlank(buf[end - 1]) || buf[end - 1] === CH.CR)) end--;
  let p = start;
  while (p < end && isBlank(buf[p])) p++;
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
  if (startsWith(buf, p, end, "cpus=") || startsWith(buf, p, end, "version =")) {
    return LineKind.Header;
  }
  return scanEventLine(buf, p, end, out);
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
 * Returns the offset just past `]`, or -1.
 */
function findContext(buf: Uint8Array, p: number, end: number, out: LineScan): number {
  let search = p;
  while (search < end) {
    const lb = buf.indexOf(CH.LBRACKET, search);
    if (lb < 0 || lb >= end) return -1;
    search = lb + 1;
    const de = digitsEnd(buf, lb + 1, end);
    if (de < 0 || de >= end || buf[de] !== CH.RBRACKET) continue;
    // Walk back over the blanks between the pid (or tgid) and the bracket.
    let q = lb - 1;
    if (q < p || !isBlank(buf[q])) continue;
    while (q > p && isBlank(buf[q])) q--;
    let tgidKind: 0 | 1 | 2 = 0;
    let tgid = 0;
    if (buf[q] === CH.RPAREN) {
      let o = q - 1;
      while (o > p && buf[o] !== CH.LPAREN) o--;
      if (buf[o] !== CH.LPAREN) continue;
      let t = o + 1;
      while (t < q && isBlank(buf[t])) t++;
      if (buf[t] === CH.DASH) {
        tgidKind = 2;
      } else {
        const te = digitsEnd(buf, t, q);
        if (te !== q) continue;
        tgidKind = 1;
        tgid = readUint(buf, t, te);
      }
      q = o - 1;
      while (q > p && isBlank(buf[q])) q--;
    }
    // q is the last pid digit.
    const pidEnd = q + 1;
    while (q >= p && isDigit(buf[q])) q--;
    if (q + 1 === pidEnd || q < p || buf[q] !== CH.DASH) continue;
    out.pid = readUint(buf, q + 1, pidEnd);
    out.commStart = p;
    out.commEnd = q;
    out.tgidKind = tgidKind;
    out.tgid = tgid;
    out.cpu = readUint(buf, lb + 1, de);
    return de + 1;
  }
  return -1;
}

function scanEventLine(buf: Uint8Array, p: number, end: number, out: LineScan): LineKind {
  let q = findContext(buf, p, end, out);
  if (q < 0) {
    return skip(out, hasControlBytes(buf, p, end) ? "control-bytes" : "not-a-trace-line");
  }
  while (q < end && isBlank(buf[q])) q++;
  // The flag column never starts with a digit ('d', 'D', 'b', 'X' or '.');
  // the timestamp always does.
  out.flagsStart = -1;
  out.flagsEnd = -1;
  if (q < end && !isDigit(buf[q])) {
    const fs = q;
    while (q < end && !isBlank(buf[q])) q++;
    out.flagsStart = fs;
    out.flagsEnd = q;
    while (q < end && isBlank(buf[q])) q++;
  }
  const ts = q;
  const intEnd = digitsEnd(buf, q, end);
  if (intEnd < 0) return skip(out, "bad-timestamp");
  q = intEnd;
  if (q < end && buf[q] === CH.DOT) {
    const fracEnd = digitsEnd(buf, q + 1, end);
    if (fracEnd < 0) return skip(out, "bad-timestamp");
    q = fracEnd;
  }
  if (q >= end || buf[q] !== CH.COLON) return skip(out, "bad-timestamp");
  out.tsStart = ts;
  out.tsEnd = q;
  q++;
  while (q < end && isBlank(buf[q])) q++;
  const ns = q;
  if (buf[q] === CH.LT) {
    // ftrace's "<stack trace>" / "<user stack trace>": a bracketed name, no fields.
    const gt = buf.indexOf(CH.GT, q);
    if (gt > 0 && gt < end) {
      out.nameStart = ns;
      out.nameEnd = gt + 1;
      out.fieldsStart = gt + 1;
      out.fieldsEnd = gt + 1;
      return isStackName(buf, ns, gt + 1) ? LineKind.StackHeader : LineKind.Event;
    }
  }
  // The name ends at the first ':' that is followed by a blank or the end.
  while (q < end) {
    if (buf[q] === CH.COLON && (q + 1 === end || isBlank(buf[q + 1]))) break;
    q++;
  }
  if (q >= end || q === ns) return skip(out, "no-event-name");
  out.nameStart = ns;
  out.nameEnd = q;
  q++;
  while (q < end && isBlank(buf[q])) q++;
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
