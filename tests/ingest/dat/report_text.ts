/**
 * An independent reading of `trace-cmd report` text for the trace.dat
 * tests: one regular expression per line kind, the text reader's trimming
 * of the event text, and its rule for `kernel_stack` blocks (they join the
 * last event of the same CPU and pid, or stand alone). Keeping this oracle
 * separate from the streaming text reader makes the golden comparison a
 * check of the binary reader only.
 *
 * @module
 */

import type { TraceEvent, TraceRecord } from "../../../src/events/types.ts";

const EVENT = /^(.*)-(\d+)\s+\[(\d+)\]\s+(\d+)\.(\d+):\s+(\S+?):(?:[ \t]+(.*))?$/;
const FRAME = /^=> (.*?)(?: \([0-9a-f]+\))?$/;
const LOST = /^CPU:(\d+) \[(?:(\d+) )?EVENTS DROPPED\]$/;

/** Parses report text into records (timestamps in ns at the printed precision). */
export function parseReport(text: string): TraceRecord[] {
  const out: TraceRecord[] = [];
  const open = new Map<number, TraceEvent>();
  let frames: string[] | undefined;
  let line = 0;
  for (const raw of text.split("\n")) {
    line++;
    const l = raw.replace(/[ \t\r]+$/, "");
    const frame = FRAME.exec(l);
    if (frame) {
      frames?.push(frame[1]);
      continue;
    }
    frames = undefined;
    const lost = LOST.exec(l);
    if (lost) {
      out.push({
        type: "lost",
        line,
        cpu: Number(lost[1]),
        count: lost[2] === undefined ? null : Number(lost[2]),
      });
      continue;
    }
    const m = EVENT.exec(l);
    if (!m) continue;
    const frac = m[5].padEnd(9, "0").slice(0, 9);
    const ev: TraceEvent = {
      type: "event",
      line,
      comm: m[1].replace(/^[ \t]+/, ""),
      pid: Number(m[2]),
      tgid: undefined,
      cpu: Number(m[3]),
      flags: undefined,
      ts: BigInt(m[4]) * 1_000_000_000n + BigInt(frac),
      name: m[6],
      fields: m[7] ?? "",
      stack: undefined,
    };
    if (ev.name === "kernel_stack") {
      const target = open.get(ev.cpu);
      if (target && target.pid === ev.pid && target.stack === undefined) {
        frames = target.stack = [];
        continue;
      }
      frames = ev.stack = [];
      open.delete(ev.cpu);
      out.push(ev);
      continue;
    }
    open.set(ev.cpu, ev);
    out.push(ev);
  }
  return out;
}
