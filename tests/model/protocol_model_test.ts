import assert from "node:assert/strict";
import type { Mode, ProtocolEvent, RequestRef } from "../../src/events/protocol.ts";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import { readTraceFrom } from "../../src/ingest/read_trace.ts";
import { KIND, type ModelBody, ModelEvent, tsHiOf, tsLoOf } from "../../src/events/model_event.ts";
import { EventNormalizer, MODEL_EVENT_NAMES } from "../../src/events/normalize.ts";
import type { ModelView } from "../../src/model/view.ts";
import { ProtocolModel } from "../../src/model/protocol_model.ts";
import { Checker } from "../../src/check/checker.ts";
import { RULES } from "../../src/rules/index.ts";

// ---------------------------------------------------------------- event builders

interface Who {
  readonly comm: string;
  readonly pid: number;
  readonly cpu: number;
}

const V0: Who = { comm: "CPU 0/KVM", pid: 4402, cpu: 1 };
const V1: Who = { comm: "CPU 1/KVM", pid: 4403, cpu: 2 };
const VMM: Who = { comm: "qemu-system-x86", pid: 4390, cpu: 0 };
const TIMER: Who = { comm: "<idle>", pid: 0, cpu: 3 };

const OUT: Mode = "OUTSIDE_GUEST_MODE";
const IN: Mode = "IN_GUEST_MODE";
const EXITING: Mode = "EXITING_GUEST_MODE";
const READING: Mode = "READING_SHADOW_PAGE_TABLES";

const EVENT: RequestRef = { req: "KVM_REQ_EVENT", nr: 14, flags: "0" };
const UNBLOCK: RequestRef = { req: "KVM_REQ_UNBLOCK", nr: 2, flags: "0" };
const TLB: RequestRef = { req: "KVM_REQ_TLB_FLUSH", nr: 0, flags: "WAIT|NO_WAKEUP" };
const DEAD: RequestRef = { req: "KVM_REQ_VM_DEAD", nr: 1, flags: "WAIT|NO_WAKEUP" };
const OGM: RequestRef = {
  req: "KVM_REQ_OUTSIDE_GUEST_MODE",
  nr: 0,
  flags: "WAIT|NO_WAKEUP|NO_ACTION",
};

/** Builds model events in order, as the normalizer would (seq, line and time increasing). */
class Events {
  #seq = 0;

  ev(who: Who, body: ModelBody, irqsOff: boolean | undefined = undefined): ModelEvent {
    const seq = this.#seq++;
    return new ModelEvent(
      seq,
      KIND[body.kind],
      body,
      irqsOff,
      "unit.trace",
      seq + 1,
      who.pid,
      who.cpu,
      tsHiOf(1_000_000_000n + BigInt(seq) * 1000n),
      tsLoOf(1_000_000_000n + BigInt(seq) * 1000n),
      who.comm,
      irqsOff === undefined ? undefined : irqsOff ? "d..1." : "...1.",
      body.kind,
      "",
      undefined,
    );
  }

  make(who: Who, vcpu: number, request: RequestRef, vm = "0"): ModelEvent {
    return this.ev(who, { kind: "make_request", vm, vcpu, request, site: undefined });
  }

  kick(who: Who, vcpu: number, mode: Mode, action: "ipi" | "wake" | "none" | "self"): ModelEvent {
    const body: ProtocolEvent = {
      kind: "kick",
      vm: "0",
      vcpu,
      mode,
      action,
      cpu: action === "ipi" ? vcpu + 1 : undefined,
      site: undefined,
    };
    return this.ev(who, body);
  }

  mode(who: Who, vcpu: number, old: Mode, now: Mode, irqsOff = true, vm = "0"): ModelEvent {
    return this.ev(who, { kind: "mode", vm, vcpu, old, new: now }, irqsOff);
  }

  pending(who: Who, vcpu: number, pending: bigint): ModelEvent {
    return this.ev(who, { kind: "request_pending", vm: "0", vcpu, pending }, true);
  }

  check(who: Who, vcpu: number, request: RequestRef, result: boolean): ModelEvent {
    return this.ev(who, { kind: "check_request", vm: "0", vcpu, request, result });
  }

  clear(who: Who, vcpu: number, request: RequestRef): ModelEvent {
    return this.ev(who, { kind: "clear_request", vm: "0", vcpu, request });
  }

  all(who: Who, request: RequestRef, mask: bigint | undefined, phase: "begin" | "end") {
    return this.ev(who, { kind: "all_cpus_request", vm: "0", request, mask, phase });
  }

  ack(who: Who, vcpu: number): ModelEvent {
    return this.ev(who, { kind: "ipi_ack", vm: "0", vcpu, cpu: who.cpu });
  }

  block(who: Who, vcpu: number): ModelEvent {
    return this.ev(who, { kind: "block", vm: "0", vcpu });
  }

  unblock(who: Who, vcpu: number, woken: boolean): ModelEvent {
    return this.ev(who, { kind: "unblock", vm: "0", vcpu, woken });
  }

  entry(who: Who, vcpu: number): ModelEvent {
    return this.ev(who, { kind: "entry", vm: "0", vcpu, immediateExit: false }, true);
  }

  exit(who: Who, vcpu: number): ModelEvent {
    return this.ev(
      who,
      { kind: "exit", vm: "0", vcpu, reason: "EXTERNAL_INTERRUPT", requests: undefined },
      true,
    );
  }
}

/** A model with `events` applied. */
function run(...events: ModelEvent[]): ProtocolModel {
  const m = new ProtocolModel();
  for (const e of events) m.apply(e);
  return m;
}

/** vCPU `who` (id `vcpu`) writes IN_GUEST_MODE, reads an empty bitmap, enters. */
function enter(e: Events, who: Who, vcpu: number): ModelEvent[] {
  return [e.mode(who, vcpu, OUT, IN), e.pending(who, vcpu, 0n), e.entry(who, vcpu)];
}

// ---------------------------------------------------------------- requests

Deno.test("model: a request sets its bit with maker, event and resolved request", () => {
  const e = new Events();
  const made = e.make(VMM, 0, EVENT);
  const m = run(made);
  const v = m.vcpu("0", 0);
  assert.deepEqual([...v.pending.keys()], [14]);
  const p = v.pending.get(14)!;
  assert.equal(p.made, made);
  assert.equal(p.maker, VMM.pid);
  assert.equal(p.allCpus, false);
  assert.equal(p.request.name, "KVM_REQ_EVENT");
  assert.equal(p.request.known, true);
  assert.equal(v.lastSeen, made);
  assert.equal(v.thread, undefined, "a requester is not the vCPU's thread");
  const k = m.kicker(VMM.pid, "0", 0);
  assert.equal(k.requestSince, made);
  assert.equal(k.requestMade?.name, "KVM_REQ_EVENT");
});

Deno.test("model: a bit already pending keeps its first maker", () => {
  const e = new Events();
  const first = e.make(VMM, 0, EVENT);
  const m = run(first, e.make(TIMER, 0, EVENT));
  assert.equal(m.vcpu("0", 0).pending.get(14)?.made, first);
  assert.equal(m.vcpu("0", 0).pending.size, 1);
});

Deno.test("model: several requests make a pending set; consuming removes exactly one", () => {
  const e = new Events();
  const m = run(e.make(VMM, 0, EVENT), e.make(TIMER, 0, UNBLOCK), e.make(VMM, 0, TLB));
  assert.deepEqual([...m.vcpu("0", 0).pending.keys()].sort((a, b) => a - b), [0, 2, 14]);
  m.apply(e.check(V0, 0, EVENT, false));
  assert.equal(m.vcpu("0", 0).pending.size, 3, "result=0 consumes nothing");
  m.apply(e.check(V0, 0, EVENT, true));
  assert.deepEqual([...m.vcpu("0", 0).pending.keys()].sort((a, b) => a - b), [0, 2]);
  m.apply(e.clear(V0, 0, UNBLOCK));
  assert.deepEqual([...m.vcpu("0", 0).pending.keys()], [0]);
  assert.equal(m.vcpu("0", 0).thread, V0.pid, "consuming is the vCPU thread's own event");
});

Deno.test("model: the final check records itself and learns the pending set when empty", () => {
  const e = new Events();
  const m = new ProtocolModel();
  const busy = e.pending(V0, 0, 1n << 14n);
  m.apply(busy);
  assert.equal(m.vcpu("0", 0).historyKnown, false);
  assert.equal(m.vcpu("0", 0).lastPendingCheck, busy);
  const clean = e.pending(V0, 0, 0n);
  m.apply(clean);
  assert.equal(m.vcpu("0", 0).historyKnown, true);
  assert.equal(m.vcpu("0", 0).lastPendingCheck, clean);
});

// ---------------------------------------------------------------- modes and kicks

Deno.test("model: mode writes set mode, owner thread, irqs-off and the last IN write", () => {
  const e = new Events();
  const inWrite = e.mode(V0, 0, OUT, IN, true);
  const m = run(inWrite);
  const v = m.vcpu("0", 0);
  assert.equal(v.mode, IN);
  assert.equal(v.modeSetBy, inWrite);
  assert.equal(v.lastInGuestWrite, inWrite);
  assert.equal(v.irqsOffAtLastWrite, true);
  assert.equal(v.thread, V0.pid);
  assert.equal(v.cpu, V0.cpu);
  assert.equal(m.vcpuOfThread(V0.pid), v);
  m.apply(e.mode(V0, 0, IN, OUT, false));
  assert.equal(v.mode, OUT);
  assert.equal(v.irqsOffAtLastWrite, false);
  assert.equal(v.lastInGuestWrite, inWrite, "the last IN write is kept");
});

Deno.test("model: a vCPU's thread is the first one seen acting as it", () => {
  const e = new Events();
  const m = run(e.mode(V0, 0, OUT, IN));
  m.apply(e.mode(V1, 0, IN, OUT)); // someone else writes vCPU 0's mode
  assert.equal(m.vcpu("0", 0).thread, V0.pid);
  assert.equal(m.vcpuOfThread(V1.pid), undefined);
});

Deno.test("model: a clear by another thread does not make it the vCPU's thread", () => {
  // x86's kvm_end_pvclock_update() clears KVM_REQ_MCLOCK_INPROGRESS of every
  // vCPU from whichever thread updates the clock (real: lab irq-inject trace).
  const e = new Events();
  const m = run(e.make(V0, 1, TLB), e.clear(V0, 1, TLB), e.mode(V1, 1, OUT, IN));
  assert.equal(m.vcpu("0", 1).thread, V1.pid);
  assert.equal(m.vcpuOfThread(V0.pid), undefined);
  assert.equal(m.vcpu("0", 1).pending.size, 0, "the clear still consumes the request");
});

Deno.test("model: a kick with IPI of a vCPU in guest mode moves it to EXITING_GUEST_MODE", () => {
  const e = new Events();
  const m = run(...enter(e, V0, 0), e.make(VMM, 0, EVENT));
  const kick = e.kick(VMM, 0, IN, "ipi");
  m.apply(kick);
  const v = m.vcpu("0", 0);
  assert.equal(v.mode, EXITING);
  assert.equal(v.modeSetBy, kick);
  assert.equal(v.ipiInFlight, kick);
  assert.equal(v.lastIpiSeq, kick.seq);
  assert.equal(v.inGuest, true, "still in the guest until kvm_exit");
  const k = m.kicker(VMM.pid, "0", 0);
  assert.equal(k.lastKick, kick);
  assert.equal(k.requestSince, undefined, "the kick starts a new request-less window");
  assert.equal(k.requestMade, undefined);
  // The exit and the vCPU's write back to OUTSIDE end the IPI's flight.
  m.apply(e.exit(V0, 0));
  assert.equal(v.inGuest, false);
  assert.equal(v.ipiInFlight, undefined);
  assert.equal(v.lastIpiSeq, kick.seq, "lastIpiSeq survives the exit");
  m.apply(e.mode(V0, 0, EXITING, OUT));
  assert.equal(v.mode, OUT);
});

Deno.test("model: a second IPI kick leaves EXITING_GUEST_MODE and its first setter alone", () => {
  const e = new Events();
  const first = e.kick(VMM, 0, IN, "ipi");
  const m = run(...enter(e, V0, 0), first);
  const second = e.kick(TIMER, 0, IN, "ipi"); // a stale read of the mode
  m.apply(second);
  const v = m.vcpu("0", 0);
  assert.equal(v.mode, EXITING);
  assert.equal(v.modeSetBy, first);
  assert.equal(v.lastIpiSeq, second.seq);
});

Deno.test("model: a kick that read IN_GUEST_MODE made it EXITING_GUEST_MODE, IPI or not", () => {
  // 6.12 virt/kvm/kvm_main.c kvm_vcpu_kick(): kvm_arch_vcpu_should_kick() is
  // the IN -> EXITING cmpxchg; the IPI follows only when the vCPU's CPU is
  // online and not the kicker's (real: lab irq-inject trace, `kvm_vcpu_kick:
  // vcpu=0 idx=0 mode=IN_GUEST_MODE action=none cpu=-1`).
  for (const action of ["none", "self"] as const) {
    const e = new Events();
    const m = run(...enter(e, V0, 0));
    m.apply(e.kick(VMM, 0, IN, action));
    assert.equal(m.vcpu("0", 0).mode, EXITING, action);
  }
});

Deno.test("model: kicks that observed another mode, or woke the vCPU, change no mode", () => {
  for (
    const [observed, action] of [
      [OUT, "ipi"],
      [IN, "wake"],
      [READING, "ipi"],
      [OUT, "none"],
    ] as const
  ) {
    const e = new Events();
    const m = run(...enter(e, V0, 0));
    m.apply(e.kick(VMM, 0, observed, action));
    assert.equal(m.vcpu("0", 0).mode, IN, `${observed} ${action}`);
  }
});

Deno.test("model: an IPI kick of a vCPU the trace has not shown yet assumes it observed right", () => {
  const e = new Events();
  const m = run(e.kick(VMM, 0, IN, "ipi"));
  assert.equal(m.vcpu("0", 0).mode, EXITING);
});

Deno.test("model: a self kick from guest mode moves the vCPU to EXITING_GUEST_MODE", () => {
  const e = new Events();
  const m = run(e.mode(V0, 0, OUT, IN));
  const self = e.kick(V0, 0, IN, "self");
  m.apply(self);
  assert.equal(m.vcpu("0", 0).mode, EXITING);
  assert.equal(m.vcpu("0", 0).modeSetBy, self);
  assert.equal(m.vcpu("0", 0).lastIpiSeq, -1, "a self kick sends no IPI");
});

// ---------------------------------------------------------------- sleeping

Deno.test("model: block, a waking kick, unblock", () => {
  const e = new Events();
  const block = e.block(V0, 0);
  const m = run(e.mode(V0, 0, IN, OUT), block);
  const v = m.vcpu("0", 0);
  assert.equal(v.blockedSince, block);
  assert.equal(v.wokenBy, undefined);
  const wake = e.kick(VMM, 0, OUT, "wake");
  m.apply(e.make(VMM, 0, EVENT));
  m.apply(wake);
  assert.equal(v.wokenBy, wake);
  assert.equal(v.blockedSince, block, "blocked until the thread says it left");
  assert.equal(v.mode, OUT);
  m.apply(e.unblock(V0, 0, true));
  assert.equal(v.blockedSince, undefined);
  const again = e.block(V0, 0);
  m.apply(again);
  assert.equal(v.blockedSince, again);
  assert.equal(v.wokenBy, undefined, "a new block forgets the old wakeup");
});

// ---------------------------------------------------------------- all-CPUs calls

Deno.test("model: kvm_make_all_cpus_request bookkeeping from begin to end", () => {
  const e = new Events();
  const m = run(...enter(e, V0, 0), e.mode(V1, 1, IN, OUT), e.block(V1, 1));
  const begin = e.all(VMM, TLB, 0b11n, "begin");
  m.apply(begin);
  const call = m.callOf("0", VMM.pid);
  assert.ok(call);
  assert.equal(call.begin, begin);
  assert.deepEqual(call.targets, [0, 1]);
  assert.equal(call.request.name, "KVM_REQ_TLB_FLUSH");
  assert.equal(call.request.wait, true);
  assert.equal(call.request.noWakeup, true);
  assert.equal(m.callOf("0", TIMER.pid), undefined, "calls belong to their thread");
  for (const id of [0, 1]) {
    const p = m.vcpu("0", id).pending.get(0);
    assert.equal(p?.allCpus, true);
    assert.equal(p?.made, begin);
  }
  // Kicks by the caller of its targets belong to the call and carry its request.
  const ctx = m.kickContext("0", VMM.pid, 1);
  assert.equal(ctx.call, call);
  assert.equal(ctx.request, call.request);
  assert.equal(m.kickContext("0", VMM.pid, 5).call, undefined, "not a target");
  assert.equal(m.kickContext("0", TIMER.pid, 0).call, undefined, "not the caller");
  const ipi = e.kick(VMM, 0, IN, "ipi");
  const none = e.kick(VMM, 1, OUT, "none");
  m.apply(ipi);
  m.apply(none);
  assert.deepEqual([...call.kicks.entries()], [[0, ipi], [1, none]]);
  assert.deepEqual([...call.ipis.entries()], [[0, ipi]]);
  assert.equal(call.acks.size, 0);
  const ack = e.ack(V0, 0);
  m.apply(e.exit(V0, 0));
  m.apply(e.mode(V0, 0, EXITING, OUT));
  m.apply(ack);
  assert.deepEqual([...call.acks.entries()], [[0, ack]]);
  m.apply(e.all(VMM, TLB, 0b11n, "end"));
  assert.equal(m.callOf("0", VMM.pid), undefined);
  assert.equal(m.kickContext("0", VMM.pid, 0).call, undefined);
});

Deno.test("model: an all-CPUs call without a mask targets every vCPU seen so far", () => {
  const e = new Events();
  const m = run(e.mode(V0, 0, OUT, IN), e.mode(V1, 1, OUT, IN));
  m.apply(e.all(VMM, TLB, undefined, "begin"));
  assert.deepEqual(m.callOf("0", VMM.pid)?.targets, [0, 1]);
});

Deno.test("model: NO_ACTION sets no bit; KVM_REQ_VM_DEAD marks the vCPU dead", () => {
  const e = new Events();
  const m = run(e.all(VMM, OGM, 0b1n, "begin"));
  assert.equal(m.vcpu("0", 0).pending.size, 0);
  assert.equal(m.callOf("0", VMM.pid)?.request.name, "KVM_REQ_OUTSIDE_GUEST_MODE");
  assert.equal(m.callOf("0", VMM.pid)?.request.noAction, true);
  m.apply(e.all(VMM, OGM, 0b1n, "end"));
  const dead = e.all(VMM, DEAD, 0b1n, "begin");
  m.apply(dead);
  assert.equal(m.vcpu("0", 0).deadSince, dead);
  assert.equal(m.vcpu("0", 0).pending.get(1)?.request.name, "KVM_REQ_VM_DEAD");
  m.apply(e.check(V0, 0, DEAD, true));
  assert.equal(m.vcpu("0", 0).deadSince, dead, "consuming VM_DEAD does not revive the VM");
});

Deno.test("model: an acknowledgement with no call waiting for it changes no call", () => {
  const e = new Events();
  const ack = e.ack(V0, 0);
  const m = run(ack);
  assert.equal(m.vcpu("0", 0).lastSeen, ack);
});

Deno.test("model: posted interrupts, entries, lost events", () => {
  const e = new Events();
  const posted = e.ev(VMM, { kind: "posted_interrupt", vm: "0", vcpu: 0, vector: 0xec, on: true });
  const m = run(posted);
  assert.equal(m.kicker(VMM.pid, "0", 0).postedSince, posted);
  m.apply(e.kick(VMM, 0, IN, "ipi"));
  assert.equal(m.kicker(VMM.pid, "0", 0).postedSince, undefined, "a kick ends the window");
  const entry = e.entry(V0, 0);
  m.apply(entry);
  assert.equal(m.vcpu("0", 0).inGuest, true);
  assert.equal(m.vcpu("0", 0).lastEntry, entry);
  const lost = e.ev({ comm: "", pid: -1, cpu: 2 }, { kind: "lost", cpu: 2, count: 17 });
  m.apply(lost);
  assert.equal(m.lastLost, lost);
  assert.equal(m.lastEvent, lost);
});

Deno.test("model: VMs are separate, and vCPUs are listed by VM then id", () => {
  const e = new Events();
  const m = run(
    e.mode(V1, 1, OUT, IN),
    e.mode({ ...V0, pid: 5000 }, 0, OUT, IN, true, "1"),
    e.mode(V0, 0, OUT, IN),
    e.make(VMM, 0, EVENT, "1"),
  );
  assert.deepEqual(m.allVcpus().map((v) => [v.vm, v.vcpu]), [["0", 0], ["0", 1], ["1", 0]]);
  assert.equal(m.vcpu("0", 0).pending.size, 0);
  assert.equal(m.vcpu("1", 0).pending.size, 1);
  assert.equal(m.vcpu("1", 0).thread, 5000);
});

Deno.test("model: request references resolve once per model", () => {
  const m = new ProtocolModel();
  const a = m.resolve({ req: "KVM_REQ_EVENT", nr: 14, flags: "0" });
  assert.equal(m.resolve({ req: "KVM_REQ_EVENT", nr: 14, flags: "0" }), a);
  assert.equal(a.nr, 14);
  const wrong = m.resolve({ req: "KVM_REQ_EVENT", nr: 6, flags: "0" });
  assert.equal(wrong.known, false);
  assert.equal(wrong.nr, 14, "the name wins over a wrong nr=");
});

// ---------------------------------------------------------------- determinism

/** The model events of a fixture trace, via the real reader and normalizer. */
async function fixtureEvents(rel: string): Promise<ModelEvent[]> {
  const data = await Deno.readFile(new URL(`../../${rel}`, import.meta.url));
  const reader = readTraceFrom(memoryByteSource(rel, data), {
    keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
  });
  const normalizer = new EventNormalizer(rel);
  const out: ModelEvent[] = [];
  for await (const batch of reader.batches()) {
    for (const r of batch) {
      const ev = normalizer.toModel(r);
      if (ev !== undefined) out.push(ev);
    }
  }
  return out;
}

function check(events: readonly ModelEvent[]) {
  const checker = new Checker({
    rules: RULES,
    ruleOptions: { latencyThresholdNs: 10_000_000n, allowedKickSites: [] },
  });
  checker.setTimeUnit("ns");
  for (const ev of events) checker.push(ev);
  checker.finish();
  return checker;
}

Deno.test("model: the same events twice give the same state and the same findings", async () => {
  const dir = new URL("../../fixtures/rules/", import.meta.url);
  let traces = 0;
  for await (const rule of Deno.readDir(dir)) {
    for await (const f of Deno.readDir(new URL(`${rule.name}/`, dir))) {
      if (!f.name.endsWith(".trace")) continue;
      const events = await fixtureEvents(`fixtures/rules/${rule.name}/${f.name}`);
      assert.ok(events.length > 0);
      const a = check(events);
      const b = check(events);
      assert.deepEqual(b.findings, a.findings, f.name);
      assert.deepEqual(b.model.allVcpus(), a.model.allVcpus(), f.name);
      // Rules only read the model.
      const shape = (m: ModelView) =>
        m.allVcpus().map((v) => [v.vcpu, v.mode, [...v.pending.keys()], v.blockedSince?.seq]);
      assert.deepEqual(shape(run(...events)), shape(a.model), f.name);
      traces++;
    }
  }
  assert.ok(traces >= 30, `only ${traces} fixture traces`);
});

Deno.test("model: findings of a fixture do not depend on what ran before", async () => {
  const events = await fixtureEvents("fixtures/rules/kick-without-ipi/fail.trace");
  const other = await fixtureEvents("fixtures/rules/lost-wakeup/fail.trace");
  check(other); // a run that reports something else first
  const a = check(events);
  assert.deepEqual(a.findings.map((f) => [f.ruleId, f.at.line]), [["kick-without-ipi", 25]]);
});

Deno.test("model: kvm_vcpu_create starts a fresh vCPU; an id created twice alive is ambiguous", () => {
  // Real: lab dirty-log trace (6.12 + series) runs two VMs at once with vCPU ids 0 and 1 and
  // no VM ids; kvmclock_update_fn's KVM_REQ_CLOCK_UPDATE of the first VM's vCPU 1 landed on
  // the second's.
  const e = new Events();
  const create = (vcpu: number) => e.ev(VMM, { kind: "vcpu_create", vm: "0", vcpu });
  const m = run(create(0), ...enter(e, V0, 0), e.make(VMM, 0, EVENT));
  assert.equal(m.vcpu("0", 0).pending.size, 1);
  m.apply(create(0)); // a second VM's vCPU 0, the first still alive
  const v = m.vcpu("0", 0);
  assert.equal(v.pending.size, 0, "fresh state");
  assert.equal(v.thread, undefined);
  assert.equal(m.vcpuOfThread(V0.pid), undefined);
  assert.equal(v.sharedId, true);
  m.apply(e.make(TIMER, 0, UNBLOCK));
  assert.equal(m.vcpu("0", 0).pending.get(2)?.ambiguous, true);
});

Deno.test("model: fan-out mask bits are indices, from kvm_vcpu_create order or kicks' idx=", () => {
  const e = new Events();
  const m = run(
    e.ev(VMM, { kind: "vcpu_create", vm: "0", vcpu: 4 }),
    e.ev(VMM, { kind: "vcpu_create", vm: "0", vcpu: 7 }),
  );
  assert.equal(m.vcpuAtIndex("0", 0), 4);
  assert.equal(m.vcpuAtIndex("0", 1), 7);
  assert.equal(m.vcpuAtIndex("0", 2), 2, "unknown index: taken as the id");
  m.apply(
    e.ev(VMM, {
      kind: "kick",
      vm: "0",
      vcpu: 9,
      idx: 2,
      mode: OUT,
      action: "none",
      cpu: -1,
      site: undefined,
    }),
  );
  assert.equal(m.vcpuAtIndex("0", 2), 9);
});

Deno.test("model: a check that came before the make line it consumed (record order)", () => {
  // The series traces kvm_make_request after set_bit: a vCPU on another CPU can consume first.
  const e = new Events();
  const m = run(...enter(e, V0, 0), e.check(V0, 0, EVENT, true), e.make(VMM, 0, EVENT));
  assert.equal(m.vcpu("0", 0).pending.size, 0, "the late make line made nothing new");
});

Deno.test("model: a request waits only while its vCPU is in KVM_RUN and not halted", () => {
  const e = new Events();
  const m = run(...enter(e, V0, 0), e.make(VMM, 0, EVENT));
  const p = m.vcpu("0", 0).pending.get(14)!;
  assert.ok(p.waitingSince !== undefined);
  m.apply(e.block(V0, 0)); // KVM_REQ_EVENT does not end a halt
  assert.equal(p.waitingSince, undefined);
  const woke = e.unblock(V0, 0, true);
  m.apply(woke);
  assert.equal(p.waitingSince, woke);
  assert.equal(p.waitedNs, 1000n, "the time before the halt (make to block)");
});
