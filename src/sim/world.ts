/**
 * The simulated VM's shared state: vCPU and requester threads, the one
 * kvm_make_all_cpus_request() in flight, injection rates and the labels of
 * the bugs planted so far.
 *
 * @module
 */

import type { Mode } from "../events/protocol.ts";
import { type BugName, BUGS } from "./bugs.ts";
import type { Prng } from "./prng.ts";
import type { ExitReason, SimRequest } from "./requests.ts";
import { type Actor, Scheduler } from "./scheduler.ts";
import { formatTimestamp, type Thread, type TraceOut } from "./trace_out.ts";

/** Flag columns: irqs on; irqs off with preemption off; preemption off; IPI handler; irqs off. */
export const FLAGS = {
  on: ".....",
  off: "d..1.",
  preempt: "...1.",
  hardirq: "d.h1.",
  offPreemptible: "d....",
} as const;

/** Where a vCPU thread is in its run loop. */
export const Phase = {
  /** Loop top: consume requests, then block, leave for userspace or prepare entry. */
  Top: 0,
  /** Between request processing and the IN_GUEST_MODE write (irqs on). */
  Entry: 1,
  /** IN_GUEST_MODE written, final kvm_request_pending not yet done (irqs off). */
  Window: 2,
  /** In the guest until kvm_exit. */
  Guest: 3,
  /** READING_SHADOW_PAGE_TABLES. */
  Walk: 4,
  /** In kvm_vcpu_block(). */
  Blocked: 5,
  /** Back in userspace (KVM_RUN returned). */
  User: 6,
  /** The thread has finished. */
  Done: 7,
} as const;

/** One {@link Phase} value. */
export type Phase = typeof Phase[keyof typeof Phase];

/** What proves an injected bug: the line the rule must report. */
export interface Label {
  /** The injected bug. */
  readonly bug: BugName;
  /** The rule id it must trigger. */
  readonly rule: string;
  /** 1-based line of the evidence event in the trace. */
  readonly line: number;
  /** The vCPU concerned. */
  readonly vcpu: number;
  /** Timestamp of the evidence line, as printed. */
  readonly ts: string;
  /** Event name on that line. */
  readonly event: string;
  /** Other lines of the story (the request's make line, the next request, …). */
  readonly related: number[];
}

/** A vCPU thread. */
export interface VcpuActor extends Actor {
  /** Discriminator. */
  readonly kind: "vcpu";
  /** vCPU id (`vcpu=`). */
  readonly id: number;
  /** The `CPU N/KVM` thread, pinned to its CPU. */
  readonly thread: Thread;
  /** `<idle>-0` on the vCPU's CPU: where its wakeup timer fires while it sleeps. */
  readonly idle: Thread;
  /** True `vcpu->mode`. */
  mode: Mode;
  /** Where the thread is in its loop. */
  phase: Phase;
  /** Pending request bits. */
  pending: number;
  /** Inside kvm_vcpu_block() and not yet woken. */
  blocked: boolean;
  /** PIR.ON: a posted interrupt awaits kvm_sync_pir. */
  pirOn: boolean;
  /** WAIT requests whose IPI this vCPU must acknowledge when irqs come back on. */
  readonly acksOwed: AllCpusOp[];
  /** Reason of the next (or last) guest exit. */
  exit: ExitReason;
  /** An injected bug is unfolding here; no second one until it resolves. */
  bug: boolean;
  /** Requesters leave it alone (slow-service, lost-wakeup). */
  excluded: boolean;
  /** Kept in the guest until an all-CPUs request ends (outside-mode-skipped). */
  held: boolean;
  /** skipped-final-check: enter without kvm_request_pending. */
  skipCheck: boolean;
  /** slow-service: the one pending request's consumption is the evidence. */
  slowService: boolean;
  /** entry-after-dead: consumed VM_DEAD, enters once more, then finishes. */
  zombie: boolean;
  /** A final kvm_request_pending read 0: from here on, every pending bit is known. */
  historyKnown: boolean;
  /** The guest exited on HLT: block next if nothing is pending. */
  wantsBlock: boolean;
  /** Line of the request an unfolding bug is about (skipped-final-check, slow-service). */
  madeLine: number;
  /** lost-wakeup label waiting for the next request of this vCPU. */
  lostWakeup: Label | undefined;
}

/** A requester thread. */
export interface RequesterActor extends Actor {
  /** Discriminator. */
  readonly kind: "requester";
  /** Index among the requesters. */
  readonly id: number;
  /** Its thread (`qemu-system-x86`, `kworker/N:M`, `vhost-PID`). */
  readonly thread: Thread;
  /** Inside a kvm_make_all_cpus_request bracket (its kicks belong to it). */
  busy: boolean;
  /** The all-CPUs request whose phase=end this thread prints next. */
  op: AllCpusOp | undefined;
}

/** One kvm_make_all_cpus_request() in flight (at most one at a time). */
export interface AllCpusOp {
  /** The thread that brackets it. */
  readonly sender: RequesterActor;
  /** The request sent to every vCPU. */
  readonly req: SimRequest;
  /** IPIs sent and not yet acknowledged. */
  acksLeft: number;
  /** wait-not-waited: print phase=end while one IPI is still unacknowledged. */
  early: boolean;
  /** phase=end already printed before the last ack. */
  endPrinted: boolean;
  /** The vCPU whose kick was omitted (outside-mode-skipped). */
  held: VcpuActor | undefined;
}

/** Anything the scheduler wakes. */
export type SimActor = VcpuActor | RequesterActor;

/** The whole simulated VM. */
export class World {
  /** Wake-up queue. */
  readonly sched: Scheduler<SimActor> = new Scheduler();
  /** Labels of the bugs injected so far. */
  readonly labels: Label[] = [];
  /** Requesters have stopped starting work (the event budget is spent). */
  stopping = false;
  /** KVM_REQ_VM_DEAD has been made. */
  vmDeadMade = false;
  /** vCPUs in slow-service (all-CPUs requests wait for them). */
  slow = 0;
  /** The all-CPUs request in flight. */
  op: AllCpusOp | undefined;

  /** Assembles a VM; the threads are built by the caller. */
  constructor(
    readonly rng: Prng,
    readonly out: TraceOut,
    readonly vcpus: VcpuActor[],
    readonly requesters: RequesterActor[],
    readonly rates: Readonly<Record<BugName, number>>,
    readonly vmDeadPlanned: boolean,
  ) {}

  /** Schedules `actor` between `lo` and `hi` µs from now. */
  later(actor: SimActor, lo: number, hi: number): void {
    this.sched.schedule(actor, this.out.now + this.rng.int(lo, hi));
  }

  /** Decides whether `bug` strikes at this opportunity. */
  inject(bug: BugName): boolean {
    if (this.stopping && bug !== "entry-after-dead") return false;
    return this.rng.chance(this.rates[bug]);
  }

  /** Records the label of `bug`, whose evidence is the event on `line`. */
  label(bug: BugName, line: number, vcpu: number, related: number[] = []): Label {
    const info = BUGS[bug];
    const ts = formatTimestamp(this.out.usAt(line)).trimStart();
    const label = { bug, rule: info.rule, line, vcpu, ts, event: info.event, related };
    this.labels.push(label);
    return label;
  }

  /** A requester free to make a request in someone else's step, if any. */
  idleRequester(): RequesterActor | undefined {
    const free = this.requesters.filter((r) => !r.busy);
    return free.length === 0 ? undefined : this.rng.pick(free);
  }
}
