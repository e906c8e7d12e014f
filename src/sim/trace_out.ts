/**
 * The simulator's output side: the one global clock (whole microseconds,
 * strictly increasing in emission order), line numbering, and ftrace text
 * in the kernel's layout, handed to a sink in ~64 KB chunks. Without a sink
 * it only counts (the simulator's first pass, which sizes the header).
 *
 * @module
 */

import { ftraceHeaderLines } from "../events/ftrace_header.ts";

/** A traced thread: the fixed `comm-pid [cpu] ` prefix of its lines. */
export interface Thread {
  /** `%16s-%-7d [%03d] ` as trace_print_context prints it. */
  readonly prefix: string;
  /** Its CPU. */
  readonly cpu: number;
}

/** Makes a {@link Thread}. */
export function thread(comm: string, pid: number, cpu: number): Thread {
  const prefix = `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, "0")}] `;
  return { prefix, cpu };
}

/** Number of lines {@link ftraceHeader} writes; event `i` (0-based) is on line `HEADER_LINES + 1 + i`. */
export const HEADER_LINES = 12;

/** The `# tracer: nop` header of `/sys/kernel/tracing/trace` (irq-info on, no tgid). */
export function ftraceHeader(entries: number, cpus: number): string {
  return ftraceHeaderLines(entries, cpus).join("\n") + "\n";
}

const CHUNK_CHARS = 1 << 16;
/** How many recent lines {@link TraceOut.usAt} remembers. */
export const RECENT = 256;

/** Formats microseconds as ftrace's `%5lu.%06lu`. */
export function formatTimestamp(us: number): string {
  const sec = Math.floor(us / 1_000_000);
  return `${String(sec).padStart(5)}.${String(us - sec * 1_000_000).padStart(6, "0")}`;
}

/** Clock, line counter and (optionally) the chunked text writer. */
export class TraceOut {
  readonly #sink: ((chunk: string) => void) | undefined;
  #buf = "";
  #lastUs: number;
  #floorUs = 0;
  #firstUs = 0;
  #secBase = -1;
  #secText = "";
  /** Timestamps of the last {@link RECENT} lines, by line number. */
  readonly #recent = new Float64Array(RECENT);
  /** Events emitted so far. */
  events = 0;

  /** Starts the clock just before `startUs`; writes `header` first when there is a sink. */
  constructor(startUs: number, sink?: (chunk: string) => void, header = "") {
    this.#lastUs = startUs - 1;
    this.#sink = sink;
    this.#buf = header;
  }

  /** Timestamps (µs) of the first and last events; `undefined` before the first. */
  span(): { first: number; last: number } | undefined {
    return this.events === 0 ? undefined : { first: this.#firstUs, last: this.#lastUs };
  }

  /** The current time: the running step's time, or the last event's if later. */
  get now(): number {
    return this.#lastUs > this.#floorUs ? this.#lastUs : this.#floorUs;
  }

  /** Begins a step scheduled at `us`: its events are stamped no earlier. */
  step(us: number): void {
    this.#floorUs = us;
  }

  /** Emits one event; returns its 1-based line number in the trace. */
  emit(t: Thread, flags: string, name: string, fields: string): number {
    const us = this.#lastUs + 1 > this.#floorUs ? this.#lastUs + 1 : this.#floorUs;
    this.#lastUs = us;
    if (this.events++ === 0) this.#firstUs = us;
    this.#recent[this.events % RECENT] = us;
    if (this.#sink !== undefined) {
      this.#buf += `${t.prefix}${flags} ${this.#stamp(us)}: ${name}: ${fields}\n`;
      if (this.#buf.length >= CHUNK_CHARS) this.#flush();
    }
    return HEADER_LINES + this.events;
  }

  /** Timestamp (µs) of event line `line`, one of the last {@link RECENT} emitted. */
  usAt(line: number): number {
    const event = line - HEADER_LINES;
    if (event <= this.events - RECENT || event > this.events) {
      throw new RangeError(`line ${line} is not recent`);
    }
    return this.#recent[event % RECENT];
  }

  /** Hands what is buffered to the sink. */
  finish(): void {
    if (this.#buf.length > 0) this.#flush();
  }

  #flush(): void {
    this.#sink?.(this.#buf);
    this.#buf = "";
  }

  /** `formatTimestamp` with the seconds text cached. */
  #stamp(us: number): string {
    const within = us - this.#secBase;
    if (within < 0 || within >= 1_000_000) {
      const sec = Math.floor(us / 1_000_000);
      this.#secBase = sec * 1_000_000;
      this.#secText = String(sec).padStart(5) + ".";
      return this.#stamp(us);
    }
    return this.#secText + String(within).padStart(6, "0");
  }
}
