/**
 * Decoders for the stock events an unpatched kernel emits that kvmreq uses:
 * guest entry/exit, vCPU wakeups, APIC IPIs, halt polling, the `ipi:` and
 * `csd:` events and the scheduler's wakeups and switches. Formats follow the
 * kernels' TP_printk strings (arch/x86/kvm/trace.h, include/trace/events/
 * kvm.h, ipi.h, csd.h, sched.h); fields a kernel version does not print come
 * back `undefined`.
 *
 * @module
 */

import { parseBigInteger, parseInteger, parseKeyValues, valueBefore } from "./fields.ts";
import { setBits } from "./bits.ts";

/** A decoded stock event. */
export type StockEvent =
  | {
    readonly kind: "kvm_entry";
    readonly vcpu: number | undefined;
    readonly rip: string | undefined;
  }
  | {
    readonly kind: "kvm_exit";
    readonly vcpu: number | undefined;
    readonly reason: string | undefined;
    readonly rip: string | undefined;
  }
  | {
    readonly kind: "kvm_vcpu_wakeup";
    readonly how: string;
    readonly waitNs: number | undefined;
    readonly valid: boolean | undefined;
  }
  | {
    readonly kind: "kvm_userspace_exit";
    readonly reason: string | undefined;
    readonly code: number | undefined;
  }
  | {
    readonly kind: "kvm_apic_ipi";
    readonly dst: number | undefined;
    readonly vector: number | undefined;
    readonly detail: string;
  }
  | {
    readonly kind: "kvm_apic_accept_irq";
    readonly apicid: number | undefined;
    readonly vector: number | undefined;
    readonly detail: string;
  }
  | {
    readonly kind: "kvm_halt_poll_ns";
    readonly vcpu: number | undefined;
    readonly pollNs: number | undefined;
    readonly grow: boolean | undefined;
    readonly oldNs: number | undefined;
  }
  | {
    readonly kind: "ipi_send_cpu";
    readonly cpu: number | undefined;
    readonly callsite: string | undefined;
    readonly callback: string | undefined;
  }
  | {
    readonly kind: "ipi_send_cpumask";
    readonly cpus: number[];
    readonly callsite: string | undefined;
    readonly callback: string | undefined;
  }
  | {
    readonly kind: "csd_queue_cpu";
    readonly cpu: number | undefined;
    readonly callsite: string | undefined;
    readonly func: string | undefined;
    readonly csd: string | undefined;
  }
  | {
    readonly kind: "csd_function_entry" | "csd_function_exit";
    readonly func: string | undefined;
    readonly csd: string | undefined;
  }
  | {
    readonly kind: "sched_waking" | "sched_wakeup";
    readonly comm: string | undefined;
    readonly pid: number | undefined;
    readonly prio: number | undefined;
    readonly targetCpu: number | undefined;
  }
  | {
    readonly kind: "sched_switch";
    readonly prevComm: string | undefined;
    readonly prevPid: number | undefined;
    readonly prevState: string | undefined;
    readonly nextComm: string | undefined;
    readonly nextPid: number | undefined;
  };

/** Names of the stock events with a decoder. */
export const STOCK_EVENT_NAMES = [
  "kvm_entry",
  "kvm_exit",
  "kvm_vcpu_wakeup",
  "kvm_userspace_exit",
  "kvm_apic_ipi",
  "kvm_apic_accept_irq",
  "kvm_halt_poll_ns",
  "ipi_send_cpu",
  "ipi_send_cpumask",
  "csd_queue_cpu",
  "csd_function_entry",
  "csd_function_exit",
  "sched_waking",
  "sched_wakeup",
  "sched_switch",
] as const;

/** A stock event name with a decoder. */
export type StockEventName = typeof STOCK_EVENT_NAMES[number];

const STOCK_NAME_SET: ReadonlySet<string> = new Set(STOCK_EVENT_NAMES);

/** True when `name` has a stock decoder. */
export function isStockEventName(name: string): name is StockEventName {
  return STOCK_NAME_SET.has(name);
}

/** The token after the word `word` in free text (`vcpu 0, rip 0x…` → `0`), trailing comma removed. */
export function wordAfter(text: string, word: string): string | undefined {
  // `word` then a blank, at the start or after a blank or comma. (Searching
  // for `word` and checking the next character avoids building `word + " "`
  // on every call: this runs for every guest exit.)
  const n = word.length;
  let from = 0;
  while (true) {
    const i = text.indexOf(word, from);
    if (i < 0) return undefined;
    if (text.charCodeAt(i + n) === 0x20) {
      const before = i === 0 ? 0x20 : text.charCodeAt(i - 1);
      if (before === 0x20 || before === 0x2c) {
        const start = i + n + 1;
        let end = text.indexOf(" ", start);
        if (end < 0) end = text.length;
        const last = text.charCodeAt(end - 1);
        if (end > start && (last === 0x2c || last === 0x3a)) end--;
        return text.slice(start, end);
      }
    }
    from = i + 1;
  }
}

/** Expands a cpumask as ftrace prints it (`0-3,5`, or a hex mask `0000000f`) into CPU numbers. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  if (
    /^(0x)?[0-9a-f]+$/i.test(text) && !text.includes(",") && !text.includes("-") && text.length >= 8
  ) {
    const mask = parseBigInteger(text.startsWith("0x") ? text : "0x" + text) ?? 0n;
    return setBits(mask);
  }
  for (const part of text.split(",")) {
    const [a, b] = part.split("-");
    const lo = parseInteger(a);
    const hi = b === undefined ? lo : parseInteger(b);
    if (lo === undefined || hi === undefined || hi < lo || hi - lo > 65536) continue;
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

function parenthesized(text: string): string {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  return open >= 0 && close > open ? text.slice(open + 1, close) : "";
}

/**
 * Decodes the field text of stock event `name`.
 *
 * @example
 * ```ts
 * import { decodeStockEvent } from "./stock_fields.ts";
 * const e = decodeStockEvent("sched_waking", "comm=CPU 0/KVM pid=6460 prio=120 target_cpu=001");
 * if (e.kind !== "sched_waking" || e.comm !== "CPU 0/KVM" || e.targetCpu !== 1) throw new Error();
 * ```
 */
export function decodeStockEvent(name: StockEventName, text: string): StockEvent {
  switch (name) {
    case "kvm_entry":
      return {
        kind: name,
        vcpu: parseInteger(wordAfter(text, "vcpu")),
        rip: wordAfter(text, "rip"),
      };
    case "kvm_exit":
      return {
        kind: name,
        vcpu: parseInteger(wordAfter(text, "vcpu")),
        reason: wordAfter(text, "reason"),
        rip: wordAfter(text, "rip"),
      };
    case "kvm_vcpu_wakeup": {
      // "wait time 1274786112 ns, polling valid" / "poll time 0 ns, polling invalid"
      const how = text.slice(0, Math.max(0, text.indexOf(" "))) || text;
      const polling = wordAfter(text, "polling");
      return {
        kind: name,
        how,
        waitNs: parseInteger(wordAfter(text, "time")),
        valid: polling === "valid" ? true : polling === "invalid" ? false : undefined,
      };
    }
    case "kvm_userspace_exit":
      return {
        kind: name,
        reason: wordAfter(text, "reason"),
        code: parseInteger(parenthesized(text)),
      };
    case "kvm_apic_ipi":
      return {
        kind: name,
        dst: parseInteger("0x" + (wordAfter(text, "dst") ?? "")),
        vector: parseInteger(wordAfter(text, "vec")),
        detail: parenthesized(text),
      };
    case "kvm_apic_accept_irq":
      return {
        kind: name,
        apicid: parseInteger("0x" + (wordAfter(text, "apicid") ?? "")),
        vector: parseInteger(wordAfter(text, "vec")),
        detail: parenthesized(text),
      };
    case "kvm_halt_poll_ns": {
      // "vcpu 0: halt_poll_ns 20000 (grow 10000)"
      const inner = parenthesized(text);
      return {
        kind: name,
        vcpu: parseInteger(wordAfter(text, "vcpu")),
        pollNs: parseInteger(wordAfter(text, "halt_poll_ns")),
        grow: inner.startsWith("grow") ? true : inner.startsWith("shrink") ? false : undefined,
        oldNs: parseInteger(inner.split(" ")[1]),
      };
    }
    case "ipi_send_cpu": {
      const f = parseKeyValues(text);
      return {
        kind: name,
        cpu: parseInteger(f.get("cpu")),
        callsite: f.get("callsite"),
        callback: f.get("callback"),
      };
    }
    case "ipi_send_cpumask": {
      const f = parseKeyValues(text);
      return {
        kind: name,
        cpus: parseCpuList(f.get("cpumask") ?? ""),
        callsite: f.get("callsite"),
        callback: f.get("callback"),
      };
    }
    case "csd_queue_cpu": {
      const f = parseKeyValues(text);
      return {
        kind: name,
        cpu: parseInteger(f.get("cpu")),
        callsite: f.get("callsite"),
        func: f.get("func"),
        csd: f.get("csd"),
      };
    }
    case "csd_function_entry":
    case "csd_function_exit": {
      const f = parseKeyValues(text);
      return { kind: name, func: f.get("func"), csd: f.get("csd") };
    }
    case "sched_waking":
    case "sched_wakeup": {
      const f = parseKeyValues(text.slice(Math.max(0, text.lastIndexOf(" pid="))));
      return {
        kind: name,
        comm: valueBefore(text, "comm=", "pid="),
        pid: parseInteger(f.get("pid")),
        prio: parseInteger(f.get("prio")),
        targetCpu: parseInteger(f.get("target_cpu")?.replace(/^0+(?=\d)/, "")),
      };
    }
    case "sched_switch": {
      const arrow = text.indexOf(" ==> ");
      const prev = arrow >= 0 ? text.slice(0, arrow) : text;
      const next = arrow >= 0 ? text.slice(arrow + 5) : "";
      const pf = parseKeyValues(prev.slice(Math.max(0, prev.lastIndexOf(" prev_pid="))));
      const nf = parseKeyValues(next.slice(Math.max(0, next.lastIndexOf(" next_pid="))));
      return {
        kind: name,
        prevComm: valueBefore(prev, "prev_comm=", "prev_pid="),
        prevPid: parseInteger(pf.get("prev_pid")),
        prevState: pf.get("prev_state"),
        nextComm: valueBefore(next, "next_comm=", "next_pid="),
        nextPid: parseInteger(nf.get("next_pid")),
      };
    }
  }
}
