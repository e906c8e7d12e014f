/**
 * What `kvmreq record` enables: the `kvm` preset (everything kvmreq's stock
 * path reads: kvm:*, ipi:*, csd:*, the scheduler's wakeups and switches of
 * the traced threads, and a stack trace on each wakeup of them) or a list.
 *
 * @module
 */

import { enabledBy } from "./event_select.ts";

/** Per-instruction and per-access floods left out of the preset (they do not inform the protocol). */
export const FLOOD_EVENTS = ["kvm:kvm_emulate_insn", "kvm:kvm_mmio", "kvm:kvm_fpu", "kvm:kvm_pio"];

/** A recording plan: what to enable and how to filter it. */
export interface RecordPlan {
  /** Lines written to `set_event` (`kvm:*`, `!kvm:kvm_mmio`, …), in order. */
  readonly setEvent: readonly string[];
  /** Filters per event directory. */
  readonly filters: ReadonlyMap<string, string>;
  /** Triggers to add per event directory. */
  readonly triggers: ReadonlyMap<string, readonly string[]>;
  /** Options to set (`irq-info` → `1`). */
  readonly options: ReadonlyMap<string, string>;
  /** Clock to use. */
  readonly clock: string;
  /** Ring buffer size per CPU, in KiB. */
  readonly bufferSizeKb: number;
}

/** A tracefs filter matching the thread names `comms` (globs allowed), on field `field`. */
export function commFilter(comms: readonly string[], field = "comm"): string {
  return comms.map((c) => `${field} ~ "${c.replaceAll('"', "")}"`).join(" || ");
}

/**
 * The plan for the `kvm` preset. `comms` are the traced process's thread
 * names (the command's name, QEMU's `CPU N/KVM` vCPU threads).
 */
export function kvmPreset(
  comms: readonly string[],
  extra: readonly string[],
  allKvm: boolean,
): RecordPlan {
  const wake = commFilter(comms);
  const sw = `${commFilter(comms, "prev_comm")} || ${commFilter(comms, "next_comm")}`;
  return {
    setEvent: [
      "kvm:*",
      ...(allKvm ? [] : FLOOD_EVENTS.map((e) => `!${e}`)),
      "ipi:*",
      "csd:*",
      "sched:sched_waking",
      "sched:sched_wakeup",
      "sched:sched_switch",
      ...extra,
    ],
    filters: new Map([
      ["events/sched/sched_waking", wake],
      ["events/sched/sched_wakeup", wake],
      ["events/sched/sched_switch", sw],
    ]),
    triggers: new Map([["events/sched/sched_waking", [`stacktrace if ${wake}`]]]),
    options: new Map([["irq-info", "1"], ["record-tgid", "1"], ["overwrite", "1"]]),
    clock: "global",
    bufferSizeKb: 8192,
  };
}

/** The scheduler events `--comm` filters: event directory → the comm fields its filter tests. */
export const COMM_FILTERED: ReadonlyMap<string, readonly string[]> = new Map([
  ["sched:sched_waking", ["comm"]],
  ["sched:sched_wakeup", ["comm"]],
  ["sched:sched_switch", ["prev_comm", "next_comm"]],
]);

/**
 * A plan enabling exactly `events` (`set_event` selectors: `system:name`,
 * `system:*`, `!system:name`), no triggers. With `comms`, those of
 * {@link COMM_FILTERED} that `events` enables are filtered to threads named
 * `comms`; `undefined` when none is enabled (the caller refuses: `--comm`
 * would filter nothing).
 */
export function eventsPlan(
  events: readonly string[],
  comms: readonly string[] = [],
): RecordPlan | undefined {
  const filters = new Map<string, string>();
  if (comms.length > 0) {
    for (const [name, fields] of COMM_FILTERED) {
      const [system, event] = name.split(":");
      if (!enabledBy(events, system, event)) continue;
      filters.set(
        `events/${system}/${event}`,
        fields.map((f) => commFilter(comms, f)).join(" || "),
      );
    }
    if (filters.size === 0) return undefined;
  }
  return {
    setEvent: events,
    filters,
    triggers: new Map(),
    options: new Map([["irq-info", "1"], ["record-tgid", "1"]]),
    clock: "global",
    bufferSizeKb: 8192,
  };
}
