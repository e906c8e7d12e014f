/**
 * Decodes raw records into what `trace-cmd report` shows for them: the
 * event (by `common_type`), pid and task name, the latency flags, and the
 * event's text — from a plugin for the events libtraceevent's plugins
 * print, from the compiled print format otherwise.
 *
 * @module
 */

import { CommTable } from "./comm_table.ts";
import { type EventFormat, type FormatSource, parseEventFormat } from "./event_format.ts";
import type { EvalEnv } from "./fmt_eval.ts";
import { EventPrinter, type FallbackReason } from "./fmt_render.ts";
import { Kallsyms } from "./kallsyms.ts";
import { parsePrintk } from "./meta_sections.ts";
import type { DatMeta } from "./meta_types.ts";
import type { PluginCtx, PluginHandler } from "./plugin_api.ts";
import { functionEvent, FunctionIndent, stackFrames } from "./plugin_ftrace.ts";
import { KVM_HANDLERS } from "./plugin_kvm.ts";
import { learnSchedComms, schedSwitch, schedWakeup } from "./plugin_sched.ts";
import { readSmall, type RecordView } from "./record_view.ts";

/** How an event is handled. */
export type EventKind = "plain" | "kernel_stack" | "sched_switch" | "sched_wakeup";

/** One known event id. */
export interface EventEntry {
  /** Its description. */
  readonly format: EventFormat;
  /** Special handling. */
  readonly kind: EventKind;
  /** The plugin printing it, if any. */
  readonly plugin: PluginHandler | undefined;
  /** Its compiled print format, built on first use. */
  printer: EventPrinter | undefined;
}

/** An event printed as `[FAILED TO PARSE]` raw fields, and why. */
export interface Fallback {
  /** Why the format could not be used. */
  readonly reason: FallbackReason;
  /** Parser message, when there is one. */
  readonly error: string | undefined;
  /** Records printed this way. */
  count: number;
}

interface Common {
  readonly offset: number;
  readonly size: number;
}

function common(format: EventFormat | undefined, name: string): Common | undefined {
  const field = format?.commonFields.find((c) => c.name === name);
  return field ? { offset: field.offset, size: field.size } : undefined;
}

// Indexed by [irqs-off, bh-off]; [need-resched, lazy, preempt-resched]; [hardirq, softirq, nmi].
const IRQS_OFF = [".", "d", "b", "D"];
const RESCHED = [".", "n", "l", "b", "p", "N", "L", "B"];
const HARDSOFT = [".", "h", "s", "H", "z", "Z", "z", "Z"];

/** Record-level decoding for one trace. */
export class RecordDecoder {
  /** Evaluation environment. */
  readonly env: EvalEnv;
  /** Task names. */
  readonly comms = new CommTable();
  /** Events printed through the raw-field fallback, by `system:name`. */
  readonly fallbacks = new Map<string, Fallback>();
  /** Id of ftrace's kernel_stack event, if recorded. */
  readonly kernelStackId: number | undefined;
  /** Formats by id, parsed into {@link #byId} when their id is first met. */
  readonly #sources = new Map<number, FormatSource>();
  /** Entries by id; `null` for a format that failed to parse. */
  readonly #byId: (EventEntry | null | undefined)[] = [];
  readonly #parsed = new Map<number, EventEntry | null>();
  readonly #longSize: number;
  readonly #type: Common | undefined;
  readonly #pid: Common | undefined;
  readonly #flags: Common | undefined;
  readonly #pc: Common | undefined;
  readonly #indent = new FunctionIndent();
  /** Latency columns by flags and preempt count (few distinct values: interned). */
  readonly #latency: (string | undefined)[] = [];
  readonly #ctx: PluginCtx;
  /** Formats found unreadable when parsed (first use, the common-field search, {@link parseAll}). */
  badFormats = 0;

  /**
   * Decodes the records of the trace `meta` describes.
   *
   * @param meta the trace's metadata
   */
  constructor(meta: DatMeta) {
    this.#longSize = meta.longSize;
    this.env = {
      longSize: meta.longSize,
      kallsyms: new Kallsyms(meta.kallsyms),
      printk: parsePrintk(meta.printk),
    };
    this.comms.load(meta.cmdlines);
    let stackId: number | undefined;
    for (const src of meta.formats) {
      this.#sources.set(src.id, src);
      if (src.system === "ftrace" && src.name === "kernel_stack") stackId = src.id;
    }
    this.kernelStackId = stackId;
    // libtraceevent takes the common fields from the readable event with the lowest id.
    let first: EventFormat | undefined;
    for (const id of [...this.#sources.keys()].sort((a, b) => a - b)) {
      first = this.entry(id)?.format;
      if (first !== undefined) break;
    }
    this.#type = common(first, "common_type");
    this.#pid = common(first, "common_pid");
    this.#flags = common(first, "common_flags");
    this.#pc = common(first, "common_preempt_count");
    this.#ctx = {
      r: undefined as unknown as RecordView,
      ev: undefined as unknown as EventFormat,
      env: this.env,
      comms: this.comms,
      cpu: 0,
      out: "",
    };
  }

  /** Parses every format not parsed yet (so {@link badFormats} counts all unreadable ones). */
  parseAll(): void {
    for (const id of this.#sources.keys()) this.entry(id);
  }

  /** Parses the format of `id` and builds its entry; `null` when it cannot be read. */
  #build(id: number): EventEntry | null | undefined {
    const src = this.#sources.get(id);
    if (src === undefined) return undefined;
    const format = parseEventFormat(src.text, src.system, this.#longSize);
    if (format === undefined) {
      this.badFormats++;
      return null;
    }
    const key = `${format.system}:${format.name}`;
    let kind: EventKind = "plain";
    let plugin: PluginHandler | undefined = KVM_HANDLERS.get(key);
    if (key === "ftrace:kernel_stack") {
      kind = "kernel_stack";
    } else if (key === "sched:sched_switch") {
      kind = "sched_switch";
      plugin = schedSwitch;
    } else if (key === "sched:sched_wakeup" || key === "sched:sched_wakeup_new") {
      kind = "sched_wakeup";
      plugin = schedWakeup;
    } else if (key === "ftrace:function") {
      plugin = (ctx) => functionEvent(ctx, this.#indent);
    }
    return { format, kind, plugin, printer: undefined };
  }

  /** The event id of record `r`. */
  eventId(r: RecordView): number {
    const t = this.#type;
    return t ? readSmall(r, t.offset, t.size) : -1;
  }

  /**
   * Byte offset of `common_type` in a record when it is a 16-bit field (as
   * in every kernel's format), else -1: lets the merge loop read event ids
   * without going through {@link eventId}.
   */
  get typeOffset16(): number {
    const t = this.#type;
    return t !== undefined && t.size === 2 && t.offset >= 0 ? t.offset : -1;
  }

  /**
   * The entry for an event id, `undefined` when the file has no readable
   * format for it. The format is parsed the first time its id is asked for.
   */
  entry(id: number): EventEntry | undefined {
    const hit = id >= 0 && id < 1 << 16 ? this.#byId[id] : this.#parsed.get(id);
    if (hit !== undefined) return hit ?? undefined;
    const built = this.#build(id);
    if (built === undefined) return undefined;
    if (id >= 0 && id < 1 << 16) {
      for (let i = this.#byId.length; i < id; i++) this.#byId.push(undefined); // no holes
      this.#byId[id] = built;
    } else this.#parsed.set(id, built);
    return built ?? undefined;
  }

  /** The pid of record `r` (a C `int`). */
  pid(r: RecordView): number {
    const p = this.#pid;
    return p ? readSmall(r, p.offset, p.size) | 0 : 0;
  }

  /**
   * The irq-info column as the kernel prints it in /sys/kernel/tracing/trace
   * (trace_print_lat_fmt: `D`/`d`/`b`, the need-resched letters, `Z`/`z`/`H`/`h`/`s`,
   * preempt depth, migrate-disable depth), from `common_flags` and `common_preempt_count`.
   */
  latency(r: RecordView): string {
    const f = this.#flags ? readSmall(r, this.#flags.offset, this.#flags.size) & 0xff : 0;
    const pc = this.#pc ? readSmall(r, this.#pc.offset, this.#pc.size) & 0xff : 0;
    const key = (f << 8) | pc;
    return this.#latency[key] ??= this.#latencyText(f, pc);
  }

  #latencyText(f: number, pc: number): string {
    return IRQS_OFF[(f & 0x01) | ((f & 0x80) >> 6)] +
      RESCHED[((f & 0x04) >> 2) | (f & 0x02) | ((f & 0x20) >> 3)] +
      HARDSOFT[(f & 0x08 ? 1 : 0) | (f & 0x10 ? 2 : 0) | (f & 0x40 ? 4 : 0)] +
      (pc & 0xf ? (pc & 0xf).toString(16) : ".") + (pc & 0xf0 ? (pc >> 4).toString(16) : ".");
  }

  #context(e: EventEntry, r: RecordView, cpu: number): PluginCtx {
    const ctx = this.#ctx;
    (ctx as { r: RecordView }).r = r;
    (ctx as { ev: EventFormat }).ev = e.format;
    (ctx as { cpu: number }).cpu = cpu;
    ctx.out = "";
    return ctx;
  }

  /** The full text `trace-cmd report` prints after the event name. */
  info(e: EventEntry, r: RecordView, cpu: number): string {
    let pretty = 1;
    let out = "";
    if (e.plugin) {
      const ctx = this.#context(e, r, cpu);
      pretty = e.plugin(ctx);
      out = ctx.out;
    }
    if (pretty) {
      e.printer ??= new EventPrinter(e.format, this.env);
      const p = e.printer;
      if (p.fallback !== undefined) {
        const key = `${e.format.system}:${e.format.name}`;
        const fb = this.fallbacks.get(key);
        if (fb) fb.count++;
        else this.fallbacks.set(key, { reason: p.fallback, error: p.error, count: 1 });
      }
      out += p.render(r);
    }
    return out;
  }

  /** The frames of a kernel_stack record. */
  frames(e: EventEntry, r: RecordView, cpu: number): string[] {
    return stackFrames(this.#context(e, r, cpu)) ?? [];
  }

  /** Lets the sched plugin learn task names from a record that is not printed. */
  learn(e: EventEntry, r: RecordView, cpu: number): void {
    if (e.kind === "sched_switch") learnSchedComms(this.#context(e, r, cpu), "switch");
    else if (e.kind === "sched_wakeup") learnSchedComms(this.#context(e, r, cpu), "wakeup");
  }
}
