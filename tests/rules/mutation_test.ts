/**
 * Property tests: a small simulator of the vCPU-request protocol (written
 * here, independent of src/) produces correct executions, which must lint
 * clean; one mutation that breaks one rule of the seed document must then
 * make that rule fire.
 *
 * The simulator: one or two vCPU threads run the x86 loop (consume requests,
 * write IN_GUEST_MODE with interrupts off, final kvm_request_pending() check,
 * abort or enter, exit; halt in kvm_vcpu_block(); lockless shadow-page-table
 * walks), a VMM thread and a LAPIC timer make requests and kick with the
 * action the true mode calls for, and kcompactd flushes remote TLBs with
 * kvm_make_all_cpus_request(KVM_REQ_TLB_FLUSH) (WAIT|NO_WAKEUP), waiting for
 * the acknowledgement of every IPI it sent.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { LintResult } from "../../src/check/lint_input.ts";
import { ftraceHeader, ftraceLine, type Thread } from "./ftrace_text.ts";
import { lintText } from "./lint_fixture.ts";

// ---------------------------------------------------------------- the simulator

type Mode =
  | "OUTSIDE_GUEST_MODE"
  | "IN_GUEST_MODE"
  | "EXITING_GUEST_MODE"
  | "READING_SHADOW_PAGE_TABLES";

const OUT: Mode = "OUTSIDE_GUEST_MODE";
const IN: Mode = "IN_GUEST_MODE";
const EXITING: Mode = "EXITING_GUEST_MODE";
const READING: Mode = "READING_SHADOW_PAGE_TABLES";

/** The requests the simulator uses. */
const REQ = {
  TLB_FLUSH: { name: "KVM_REQ_TLB_FLUSH", nr: 0, flags: "WAIT|NO_WAKEUP" },
  UNBLOCK: { name: "KVM_REQ_UNBLOCK", nr: 2, flags: "0" },
  EVENT: { name: "KVM_REQ_EVENT", nr: 14, flags: "0" },
} as const;
type ReqKey = keyof typeof REQ;

/** One trace event, with what mutations need to find it. */
interface Ev {
  readonly th: Thread;
  readonly cpu: number;
  flags: string;
  readonly name: string;
  fields: string;
  /** The vCPU the event is about. */
  readonly vcpu?: number;
  /** The all-CPUs call a kick or ack belongs to. */
  readonly call?: number;
}

type Phase = "outside" | "preparing" | "checked" | "guest" | "blocked" | "woken" | "reading";

/**
 * Interleavings the simulator can allow. By default it keeps two windows
 * closed that real kernels leave open, because rules once misjudged them (the
 * fixtures fixtures/rules/request-unseen-at-entry/pass-coalesced-ipi.trace and
 * lost-wakeup/pass-already-woken.trace, and the open-windows property below):
 * the final check and kvm_entry happen in one step, and a woken vCPU thread
 * leaves kvm_vcpu_block() at once.
 */
interface SimOptions {
  /** Let requests arrive between the final check and kvm_entry. */
  readonly openEntryWindow: boolean;
  /** Let kicks arrive between a wakeup and kvm_vcpu_unblock. */
  readonly openWakeWindow: boolean;
}

const ATOMIC: SimOptions = { openEntryWindow: false, openWakeWindow: false };

interface SimVcpu {
  readonly id: number;
  readonly th: Thread;
  readonly cpu: number;
  phase: Phase;
  mode: Mode;
  /** Pending requests by bit number. */
  readonly pending: Map<number, ReqKey>;
}

const VMM: Thread = { comm: "qemu-system-x86", pid: 4390 };
const TIMER: Thread = { comm: "<idle>", pid: 0 };
const FLUSHER: Thread = { comm: "kcompactd0", pid: 45 };
const RIP = "0xffffffff81e6b7e4";

/** What the scenario generator asks of the simulator, one step at a time. */
type Cmd =
  | { readonly k: "vcpu"; readonly v: number; readonly c: number }
  | { readonly k: "kick"; readonly v: number; readonly req: "EVENT" | "UNBLOCK" }
  | { readonly k: "flush"; readonly mask: number };

class Sim {
  readonly evs: Ev[] = [];
  readonly vcpus: SimVcpu[];
  #calls = 0;

  constructor(n: number, readonly opts: SimOptions = ATOMIC) {
    this.vcpus = Array.from({ length: n }, (_, id) => ({
      id,
      th: { comm: `CPU ${id}/KVM`, pid: 4402 + id },
      cpu: id + 1,
      phase: "outside" as Phase,
      mode: OUT,
      pending: new Map<number, ReqKey>(),
    }));
  }

  #v(v: SimVcpu, flags: string, name: string, fields: string): void {
    this.evs.push({ th: v.th, cpu: v.cpu, flags, name, fields, vcpu: v.id });
  }

  #mode(v: SimVcpu, to: Mode): void {
    this.#v(v, "d..1.", "kvm_vcpu_mode", `vcpu=${v.id} old=${v.mode} new=${to}`);
    v.mode = to;
  }

  #bitmap(v: SimVcpu): string {
    let bits = 0n;
    for (const nr of v.pending.keys()) bits |= 1n << BigInt(nr);
    return "0x" + bits.toString(16).padStart(16, "0");
  }

  /** The vCPU leaves the guest (or aborts entry) after an IPI and acknowledges it. */
  #answerIpi(v: SimVcpu, call: number): void {
    if (v.phase === "guest") {
      this.#v(v, "d..1.", "kvm_exit", `vcpu ${v.id} reason EXTERNAL_INTERRUPT rip ${RIP} info 0 0`);
      this.#mode(v, OUT);
    } else if (v.phase === "preparing") {
      // The final check sees the bit the call set (or EXITING_GUEST_MODE) and aborts.
      this.#v(v, "d..1.", "kvm_request_pending", `vcpu=${v.id} pending=${this.#bitmap(v)}`);
      this.#mode(v, OUT);
    } else if (v.phase === "checked") {
      // It enters with the IPI pending and interrupts off, and exits at once.
      this.#v(v, "d..1.", "kvm_entry", `vcpu ${v.id}, rip ${RIP}`);
      this.#v(v, "d..1.", "kvm_exit", `vcpu ${v.id} reason EXTERNAL_INTERRUPT rip ${RIP} info 0 0`);
      this.#mode(v, OUT);
    } else if (v.phase === "reading") {
      this.#mode(v, OUT);
    }
    v.phase = "outside";
    this.evs.push({
      th: v.th,
      cpu: v.cpu,
      flags: "d.h1.",
      name: "kvm_vcpu_ipi_ack",
      fields: `vcpu=${v.id} cpu=${v.cpu}`,
      vcpu: v.id,
      call,
    });
  }

  step(cmd: Cmd): void {
    if (cmd.k === "vcpu") this.#vcpuStep(this.vcpus[cmd.v % this.vcpus.length], cmd.c);
    else if (cmd.k === "kick") this.#kick(this.vcpus[cmd.v % this.vcpus.length], cmd.req);
    else this.#flush(cmd.mask);
  }

  #vcpuStep(v: SimVcpu, c: number): void {
    switch (v.phase) {
      case "outside":
        if (c === 2 && v.pending.size === 0) {
          this.#v(v, ".....", "kvm_vcpu_block", `vcpu=${v.id}`);
          v.phase = "blocked";
        } else if (c === 3) {
          this.#mode(v, READING);
          v.phase = "reading";
        } else {
          for (const [nr, key] of [...v.pending.entries()].sort((a, b) => a[0] - b[0])) {
            const r = REQ[key];
            if (key === "UNBLOCK") {
              this.#v(v, ".....", "kvm_clear_request", `vcpu=${v.id} req=${r.name} nr=${nr}`);
            } else {
              this.#v(
                v,
                ".....",
                "kvm_check_request",
                `vcpu=${v.id} req=${r.name} nr=${nr} result=1`,
              );
            }
          }
          v.pending.clear();
          this.#mode(v, IN);
          v.phase = "preparing";
        }
        return;
      case "preparing":
        this.#v(v, "d..1.", "kvm_request_pending", `vcpu=${v.id} pending=${this.#bitmap(v)}`);
        if (v.pending.size > 0 || v.mode === EXITING) {
          this.#mode(v, OUT);
          v.phase = "outside";
        } else if (this.opts.openEntryWindow) {
          v.phase = "checked";
        } else {
          this.#v(v, "d..1.", "kvm_entry", `vcpu ${v.id}, rip ${RIP}`);
          v.phase = "guest";
        }
        return;
      case "checked":
        this.#v(v, "d..1.", "kvm_entry", `vcpu ${v.id}, rip ${RIP}`);
        v.phase = "guest";
        return;
      case "woken":
        this.#v(v, ".....", "kvm_vcpu_unblock", `vcpu=${v.id} woken=1`);
        v.phase = "outside";
        return;
      case "guest": {
        const reason = v.mode === EXITING ? "EXTERNAL_INTERRUPT" : c === 0 ? "HLT" : "MSR_WRITE";
        this.#v(v, "d..1.", "kvm_exit", `vcpu ${v.id} reason ${reason} rip ${RIP} info 0 0`);
        this.#mode(v, OUT);
        v.phase = "outside";
        return;
      }
      case "reading":
        this.#mode(v, OUT);
        v.phase = "outside";
        return;
      case "blocked":
        return; // only a kick wakes it
    }
  }

  #kick(v: SimVcpu, key: "EVENT" | "UNBLOCK"): void {
    const [th, cpu, flags] = key === "UNBLOCK"
      ? [TIMER, 3, "d.h1."] as const
      : [VMM, 0, "....."] as const;
    const r = REQ[key];
    this.evs.push({
      th,
      cpu,
      flags,
      name: "kvm_make_request",
      fields: `vcpu=${v.id} req=${r.name} nr=${r.nr} flags=${r.flags}`,
      vcpu: v.id,
    });
    if (!v.pending.has(r.nr)) v.pending.set(r.nr, key);
    const observed = v.mode;
    let action: string;
    if (v.phase === "blocked") action = "wake";
    else if (v.mode === IN) {
      action = "ipi";
      v.mode = EXITING;
    } else action = "none";
    const cpuField = action === "ipi" ? ` cpu=${v.cpu}` : "";
    this.evs.push({
      th,
      cpu,
      flags,
      name: "kvm_vcpu_kick",
      fields: `vcpu=${v.id} mode=${observed} action=${action}${cpuField}`,
      vcpu: v.id,
    });
    if (action === "wake" && this.opts.openWakeWindow) v.phase = "woken";
    else if (action === "wake") {
      this.#v(v, ".....", "kvm_vcpu_unblock", `vcpu=${v.id} woken=1`);
      v.phase = "outside";
    }
  }

  #flush(mask: number): void {
    const call = this.#calls++;
    const targets = this.vcpus.filter((v) => (mask >> v.id) & 1);
    if (targets.length === 0) return;
    const bits = targets.reduce((m, v) => m | (1 << v.id), 0);
    const r = REQ.TLB_FLUSH;
    const all = (phase: string): Ev => ({
      th: FLUSHER,
      cpu: 0,
      flags: "...1.",
      name: "kvm_make_all_cpus_request",
      fields: `req=${r.name} nr=${r.nr} flags=${r.flags} mask=0x${
        bits.toString(16).padStart(16, "0")
      } phase=${phase}`,
      call,
    });
    this.evs.push(all("begin"));
    const ipis: SimVcpu[] = [];
    for (const v of targets) {
      if (!v.pending.has(r.nr)) v.pending.set(r.nr, "TLB_FLUSH");
      const observed = v.mode;
      let action = "none";
      if (v.phase !== "blocked" && v.mode !== OUT) {
        action = "ipi";
        ipis.push(v);
        if (v.mode === IN) v.mode = EXITING;
      }
      this.evs.push({
        th: FLUSHER,
        cpu: 0,
        flags: "...1.",
        name: "kvm_vcpu_kick",
        fields: `vcpu=${v.id} mode=${observed} action=${action}${
          action === "ipi" ? ` cpu=${v.cpu}` : ""
        }`,
        vcpu: v.id,
        call,
      });
    }
    for (const v of ipis) this.#answerIpi(v, call);
    this.evs.push(all("end"));
  }
}

/** Base timestamp (µs) and spacing of simulated events: 400 events stay far below 10 ms. */
const T0 = 2_000_000_000;
const STEP_US = 5;

function render(evs: readonly Ev[]): string {
  const lines = evs.map((e, i) =>
    ftraceLine({
      thread: e.th,
      cpu: e.cpu,
      flags: e.flags,
      us: T0 + i * STEP_US,
      event: e.name,
      fields: e.fields,
    })
  );
  return [...ftraceHeader(lines.length, 4), ...lines].join("\n") + "\n";
}

function simulate(s: Scenario, opts: SimOptions = ATOMIC): Ev[] {
  const sim = new Sim(s.vcpus, opts);
  for (const c of s.cmds) sim.step(c);
  return sim.evs;
}

// ---------------------------------------------------------------- scenarios

interface Scenario {
  readonly vcpus: number;
  readonly cmds: readonly Cmd[];
}

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant("vcpu" as const),
      v: fc.nat(1),
      c: fc.nat(3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("kick" as const),
      v: fc.nat(1),
      req: fc.constantFrom("EVENT" as const, "UNBLOCK" as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("flush" as const),
      mask: fc.integer({ min: 1, max: 3 }),
    }),
  },
);

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  vcpus: fc.integer({ min: 1, max: 2 }),
  cmds: fc.array(cmdArb, { minLength: 4, maxLength: 40 }),
});

const NUM_RUNS = 100;

async function lintEvents(evs: readonly Ev[]): Promise<{ r: LintResult; text: string }> {
  const text = render(evs);
  return { r: await lintText("mutant.trace", text), text };
}

function summary(r: LintResult): string {
  return r.findings.map((f) => `${f.ruleId}@${f.at.line}: ${f.message}`).join("\n");
}

// ---------------------------------------------------------------- mutations

/** A mutation: where it applies in a correct execution, and the edit. */
interface Mutation {
  /** The rule the mutation must make fire. */
  readonly rule: string;
  /** What it does, in words. */
  readonly what: string;
  /** Indexes of events it can be applied at. */
  candidates(evs: readonly Ev[]): number[];
  /** Applies it at `i` to a copy of the events. */
  apply(evs: Ev[], i: number): Ev[];
}

const clone = (evs: readonly Ev[]): Ev[] => evs.map((e) => ({ ...e }));
const field = (e: Ev, key: string): string | undefined =>
  new RegExp(`(?:^| )${key}=(\\S+)`).exec(e.fields)?.[1];
const setField = (e: Ev, key: string, value: string | undefined): void => {
  const re = new RegExp(`( ${key}=\\S+)`);
  e.fields = value === undefined
    ? e.fields.replace(re, "")
    : re.test(e.fields)
    ? e.fields.replace(re, ` ${key}=${value}`)
    : `${e.fields} ${key}=${value}`;
};
const indexes = (evs: readonly Ev[], p: (e: Ev, i: number) => boolean): number[] =>
  evs.flatMap((e, i) => (p(e, i) ? [i] : []));
const isKick = (e: Ev) => e.name === "kvm_vcpu_kick";

const MUTATIONS: readonly Mutation[] = [
  {
    rule: "guest-mode-irqs-enabled",
    what: "drop the irqs-off `d` from an IN_GUEST_MODE write's flag column",
    candidates: (evs) => indexes(evs, (e) => e.name === "kvm_vcpu_mode" && field(e, "new") === IN),
    apply(evs, i) {
      evs[i].flags = "." + evs[i].flags.slice(1);
      return evs;
    },
  },
  {
    rule: "request-less-kick",
    what: "delete the kvm_make_request before a kick",
    candidates: (evs) =>
      indexes(
        evs,
        (e, i) =>
          e.name === "kvm_make_request" && i + 1 < evs.length && isKick(evs[i + 1]) &&
          evs[i + 1].th.pid === e.th.pid,
      ),
    apply: (evs, i) => evs.filter((_, j) => j !== i),
  },
  {
    rule: "kick-without-ipi",
    what: "turn a kick that observed IN_GUEST_MODE and sent an IPI into action=none",
    candidates: (evs) =>
      indexes(evs, (e) => isKick(e) && field(e, "mode") === IN && field(e, "action") === "ipi"),
    apply(evs, i) {
      setField(evs[i], "action", "none");
      setField(evs[i], "cpu", undefined);
      return evs;
    },
  },
  {
    rule: "redundant-ipi",
    what: "make a kick that observed OUTSIDE_GUEST_MODE send an IPI",
    candidates: (evs) =>
      indexes(
        evs,
        (e) => isKick(e) && field(e, "mode") === OUT && field(e, "action") === "none",
      ),
    apply(evs, i) {
      setField(evs[i], "action", "ipi");
      setField(evs[i], "cpu", String((evs[i].vcpu ?? 0) + 1));
      return evs;
    },
  },
  {
    rule: "invalid-mode-transition",
    what: "change the `old=` of a mode write to a mode the vCPU was not in",
    candidates: (evs) => indexes(evs, (e) => e.name === "kvm_vcpu_mode"),
    apply(evs, i) {
      const old = field(evs[i], "old");
      setField(evs[i], "old", old === READING ? IN : READING);
      return evs;
    },
  },
  {
    rule: "request-unseen-at-entry",
    what: "delete a request's consumption before an entry whose final check reads no bit for it",
    candidates: (evs) =>
      indexes(evs, (e, i) => {
        if (e.name !== "kvm_check_request" && e.name !== "kvm_clear_request") return false;
        // Another consumption must stay: a trace without any cannot tell "consumed untraced"
        // from "never seen" (the rule then holds its judgment).
        const consumers = evs.filter((x) =>
          x.name === "kvm_check_request" || x.name === "kvm_clear_request"
        );
        if (consumers.length < 2) return false;
        const nr = BigInt(field(e, "nr") ?? "0");
        const check = evs.find((x, j) =>
          j > i && x.vcpu === e.vcpu && x.name === "kvm_request_pending"
        );
        return check !== undefined && ((BigInt(field(check, "pending")!) >> nr) & 1n) === 0n;
      }),
    apply: (evs, i) => evs.filter((_, j) => j !== i),
  },
  {
    rule: "lost-wakeup",
    what: "make a kick of a sleeping vCPU not wake it (action=wake -> none)",
    candidates: (evs) => indexes(evs, (e) => isKick(e) && field(e, "action") === "wake"),
    apply(evs, i) {
      setField(evs[i], "action", "none");
      return evs;
    },
  },
  {
    rule: "no-wakeup-violated",
    what: "make a NO_WAKEUP flush wake a sleeping vCPU",
    candidates: (evs) =>
      indexes(evs, (e, i) => {
        if (!isKick(e) || e.call === undefined || field(e, "action") !== "none") return false;
        // Sleeping at the time: its last kvm_vcpu_block is after its last unblock.
        const before = evs.slice(0, i).filter((x) => x.vcpu === e.vcpu);
        const b = before.findLastIndex((x) => x.name === "kvm_vcpu_block");
        const u = before.findLastIndex((x) => x.name === "kvm_vcpu_unblock");
        return b >= 0 && b > u;
      }),
    apply(evs, i) {
      setField(evs[i], "action", "wake");
      return evs;
    },
  },
  {
    rule: "wait-missed-reader",
    what: "make a WAIT flush skip the IPI to a vCPU in READING_SHADOW_PAGE_TABLES",
    candidates: (evs) =>
      indexes(
        evs,
        (e) => isKick(e) && e.call !== undefined && field(e, "mode") === READING,
      ),
    apply(evs, i) {
      setField(evs[i], "action", "none");
      setField(evs[i], "cpu", undefined);
      return evs;
    },
  },
  {
    rule: "wait-unacknowledged",
    what: "move a WAIT flush's acknowledgement after its phase=end",
    candidates: (evs) => indexes(evs, (e) => e.name === "kvm_vcpu_ipi_ack"),
    apply(evs, i) {
      const ack = evs[i];
      const end = evs.findIndex((e, j) =>
        j > i && e.call === ack.call && /phase=end/.test(e.fields)
      );
      const out = evs.filter((_, j) => j !== i);
      out.splice(end, 0, ack); // `end` shifted left by one: the ack now follows phase=end
      return out;
    },
  },
  {
    rule: "unknown-request",
    what: "print a wrong `nr=` for a named request",
    candidates: (evs) => indexes(evs, (e) => e.name === "kvm_make_request"),
    apply(evs, i) {
      setField(evs[i], "nr", String(Number(field(evs[i], "nr")) + 1));
      return evs;
    },
  },
  {
    rule: "request-consumed-unmade",
    what: "let a vCPU consume a request nobody made (a raw set_bit behind the API)",
    candidates: (evs) =>
      indexes(evs, (e, i) =>
        e.name === "kvm_vcpu_mode" && field(e, "new") === IN &&
        evs.slice(0, i).some((x) =>
          x.vcpu === e.vcpu && x.name === "kvm_request_pending" && /pending=0x0+$/.test(x.fields)
        )),
    apply(evs, i) {
      const v = evs[i];
      evs.splice(i, 0, {
        th: v.th,
        cpu: v.cpu,
        flags: ".....",
        name: "kvm_check_request",
        fields: `vcpu=${v.vcpu} req=KVM_REQ_NMI nr=17 result=1`,
        vcpu: v.vcpu,
      });
      return evs;
    },
  },
];

// ---------------------------------------------------------------- properties

Deno.test("mutation: simulated correct executions lint clean", async () => {
  await fc.assert(
    fc.asyncProperty(scenarioArb, async (s) => {
      const { r, text } = await lintEvents(simulate(s));
      assert.equal(r.stats.skippedLines, 0);
      assert.equal(r.decodeProblemCount, 0);
      assert.deepEqual(r.findings, [], `${summary(r)}\n${text}`);
    }),
    { numRuns: NUM_RUNS },
  );
});

Deno.test({
  name: "mutation: correct executions with open entry and wakeup windows lint clean",
  // Once false positives of request-unseen-at-entry (a request coalesced onto an IPI sent
  // between the final check and kvm_entry) and lost-wakeup (a kick that finds the thread
  // already woken); fixed in the rules, kept as a regression property.
  fn: async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const evs = simulate(s, { openEntryWindow: true, openWakeWindow: true });
        const { r, text } = await lintEvents(evs);
        assert.deepEqual(r.findings, [], `${summary(r)}\n${text}`);
      }),
      { numRuns: NUM_RUNS },
    );
  },
});

Deno.test("mutation: the catalog has a mutation for at least 6 seed rules", () => {
  assert.ok(new Set(MUTATIONS.map((m) => m.rule)).size >= 6);
});

for (const m of MUTATIONS) {
  Deno.test(`mutation: ${m.what} -> ${m.rule}`, async () => {
    let judged = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.nat(), async (s, pick) => {
        const evs = simulate(s);
        const at = m.candidates(evs);
        fc.pre(at.length > 0);
        const mutant = m.apply(clone(evs), at[pick % at.length]);
        const { r, text } = await lintEvents(mutant);
        // A mutation that removed the last event the rule needs (e.g. the only
        // kvm_check_request) leaves nothing to judge by: coverage must then say
        // so, and the rule stays silent (issue 16.13, coverage is a promise).
        if (!r.coverage.checked.some((c) => c.id === m.rule)) {
          assert.ok(!r.findings.some((f) => f.ruleId === m.rule), `${m.rule} fired unchecked`);
          return;
        }
        judged++;
        assert.ok(
          r.findings.some((f) => f.ruleId === m.rule),
          `${m.rule} did not fire; findings:\n${summary(r)}\n${text}`,
        );
      }),
      { numRuns: NUM_RUNS },
    );
    assert.ok(judged > 0, "no mutant left the rule checkable");
  });
}
