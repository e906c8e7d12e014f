/**
 * Test helper: seeded random ftrace text with everything a reader must get
 * right — events of many names and CPUs, comms with spaces and dashes, tgid
 * and flag columns present or not, ftrace and trace-cmd stack traces
 * (attached, orphaned, after filtered events), LOST and buffer-started
 * markers, headers, blank lines, garbage and control bytes, over-long lines,
 * CRLF endings, counter-clock timestamps among nanosecond ones, out-of-order
 * timestamps, non-ASCII and invalid UTF-8, and optionally no final newline.
 *
 * @module
 */

import { Prng } from "../../src/sim/prng.ts";

/** Floats in [0, 1) from the project's seeded PRNG (src/sim/prng.ts). */
export function prng(seed: number): () => number {
  const r = new Prng(seed);
  return () => r.float();
}

/** Options of {@link fuzzTrace}. */
export interface FuzzOptions {
  /** Lines to write (about). */
  readonly lines: number;
  /** Longest line the reader keeps; some lines are made longer. */
  readonly maxLine: number;
  /** End without a final newline. */
  readonly noFinalNewline?: boolean;
  /** Share of lines that are garbage of some kind (0–1). */
  readonly garbage?: number;
}

const NAMES = [
  "kvm_entry",
  "kvm_exit",
  "kvm_emulate_insn",
  "kvm_mmio",
  "kvm_pio",
  "sched_waking",
  "sched_switch",
  "ipi_send_cpu",
  "kvm_vcpu_kick",
  "kvm_make_request",
  "csd_function_entry",
  "kvm_fpu",
];
const COMMS = [
  "CPU 0/KVM",
  "CPU 1/KVM",
  "qemu-system-x86",
  "kworker/0:1",
  "<idle>",
  "a-b-c",
  "vhost-12",
];
const FRAMES = [
  "try_to_wake_up",
  "rcuwait_wake_up",
  "__kvm_vcpu_kick",
  "kvm_arch_memslots_updated",
];

/** Random trace bytes for `seed`. */
export function fuzzTrace(seed: number, o: FuzzOptions): Uint8Array {
  const r = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const parts: (string | Uint8Array)[] = [];
  const enc = new TextEncoder();
  let us = 1_000_000_000 + Math.floor(r() * 1e6);
  const garbage = o.garbage ?? 0.05;
  const eol = () => (r() < 0.03 ? "\r\n" : "\n");
  const ts = () => {
    us += Math.floor(r() * 5);
    if (r() < 0.01) us -= 50; // out of order
    if (r() < 0.005) return String(us * 1000); // counter clock among ns
    return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}`;
  };
  // CPUs and event names keep appearing for the first time all along the
  // trace, so the order of the per-CPU and per-name counters is exercised
  // in every chunk, not only in the first.
  let line = 0;
  // Most lines reuse a recent context (as one thread's lines do), so the
  // scanner's prefix cache is exercised, including lines that share a
  // cached prefix and then differ right where the timestamp should start.
  const recent: { comm: string; pid: number; cpu: number; text: string }[] = [];
  const context = () => {
    if (recent.length > 0 && r() < 0.7) return pick(recent);
    const c = freshContext();
    if (recent.length < 12) recent.push(c);
    else recent[Math.floor(r() * recent.length)] = c;
    return c;
  };
  const freshContext = () => {
    const comm = pick(COMMS);
    const pid = Math.floor(r() * 30000);
    const cpu = Math.floor(r() * (4 + line / 40));
    const tgid = r() < 0.1 ? (r() < 0.5 ? " (-------)" : ` (${String(pid).padStart(7)})`) : "";
    const flags = r() < 0.85 ? ` ${pick(["d..1.", "....", "d.h2.", "D..3.", ".N..."])}` : "";
    return {
      comm,
      pid,
      cpu,
      text: `${comm.padStart(16)}-${pid}${tgid} [${String(cpu).padStart(3, "0")}]${flags}`,
    };
  };
  parts.push("# tracer: nop\n#\n");
  for (let i = 0; i < o.lines; i++) {
    line = i;
    const x = r();
    if (x < garbage) {
      const g = r();
      if (g < 0.2) parts.push("this is not a trace line" + eol());
      else if (g < 0.35) {
        parts.push("x".repeat(o.maxLine + 1 + Math.floor(r() * o.maxLine * 3)) + eol());
      } else if (g < 0.45) parts.push(new Uint8Array([0x20, 0x01, 0x02, 0x5b, 0x30, 0x5d, 0x0a]));
      else if (g < 0.55) parts.push(`${context().text}  notatime: kvm_entry: vcpu 0` + eol());
      else if (g < 0.65) parts.push(`${context().text}  ${ts()}: ` + eol());
      else if (g < 0.75) parts.push(" => orphan_frame" + eol());
      else if (g < 0.8) parts.push("CPU:2 [LOST bogus EVENTS]" + eol());
      else if (g < 0.85) {
        parts.push(
          new Uint8Array([
            0x20,
            0xff,
            0xfe,
            0x2d,
            0x31,
            0x20,
            0x5b,
            0x30,
            0x5d,
            0x20,
            0x31,
            0x2e,
            0x32,
            0x3a,
            0x20,
            0xc3,
            0x28,
            0x3a,
            0x20,
            0x78,
            0x0a,
          ]),
        );
      } else if (g < 0.92) {
        // A known prefix, then something other than a timestamp (or nothing).
        const c = context();
        parts.push(
          c.text + pick(["  ", " x1.0: e: f", "   \t", " -5.0: e: f", "  1.x: e: f", "  99", ""]) +
            eol(),
        );
      } else parts.push("" + eol());
      continue;
    }
    if (x < garbage + 0.02) {
      parts.push(
        pick([
          `CPU:${Math.floor(r() * 4)} [LOST ${Math.floor(r() * 100)} EVENTS]`,
          `CPU:1 [LOST EVENTS]`,
          `##### CPU ${Math.floor(r() * 4)} buffer started ####`,
          "# comment",
          "cpus=4",
          "CPU 3 is empty",
        ]) + eol(),
      );
      continue;
    }
    const c = context();
    const name = r() < 0.02
      ? "na\u00efve_event"
      : r() < 0.05
      ? `late_event_${Math.floor(r() * (1 + i / 50))}`
      : pick(NAMES);
    const fields = r() < 0.02
      ? "comm=caf\u00e9 x=1"
      : `vcpu ${Math.floor(r() * 3)}, rip 0x${Math.floor(r() * 1e6).toString(16)}`;
    parts.push(`${c.text}  ${ts()}: ${name}: ${fields}` + (r() < 0.02 ? "   " : "") + eol());
    if (r() < 0.12) {
      // A stack: right after, or after events of other CPUs; ftrace or trace-cmd style.
      if (r() < 0.3) parts.push(`${context().text}  ${ts()}: kvm_fpu: load` + eol());
      const reportStyle = r() < 0.3;
      const same = r() < 0.8 ? c : context();
      const head = reportStyle ? "kernel_stack:         <stack trace >" : "<stack trace>";
      parts.push(
        `${same.comm.padStart(16)}-${same.pid} [${
          String(same.cpu).padStart(3, "0")
        }] ${ts()}: ${head}` + eol(),
      );
      const n = 1 + Math.floor(r() * 5);
      for (let f = 0; f < n; f++) {
        parts.push(
          (reportStyle ? `=> ${pick(FRAMES)} (ffffffff8100${f})` : ` => ${pick(FRAMES)}`) + eol(),
        );
      }
    }
  }
  const bytes = parts.map((p) => (typeof p === "string" ? enc.encode(p) : p));
  let total = bytes.reduce((a, b) => a + b.length, 0);
  if (o.noFinalNewline) {
    const tail = enc.encode(`${context().text}  ${ts()}: kvm_exit: vcpu 0 reason HLT`);
    bytes.push(tail);
    total += tail.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
