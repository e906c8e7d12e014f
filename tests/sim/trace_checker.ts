/**
 * Test helper: a small, independent reading of docs/semantics.md — the model
 * and the fifteen rules, applied to parsed simulator output. It lets the tests
 * say "a correct run breaks no rule" and "each injected bug breaks exactly its
 * rule, on the labelled line" without borrowing the simulator's own logic.
 *
 * @module
 */

import type { SimLine } from "./trace_lines.ts";

/** One rule hit. */
export interface Finding {
  /** Rule id (or `invariant:…` for a broken simulator invariant). */
  readonly rule: string;
  /** Line the rule points at. */
  readonly line: number;
}

interface Req {
  readonly nr: number | undefined;
  readonly flags: ReadonlySet<string>;
  readonly known: boolean;
}

const TABLE: Record<string, { nr: number; flags: string[] }> = {
  KVM_REQ_TLB_FLUSH: { nr: 0, flags: ["WAIT", "NO_WAKEUP"] },
  KVM_REQ_VM_DEAD: { nr: 1, flags: ["WAIT", "NO_WAKEUP"] },
  KVM_REQ_UNBLOCK: { nr: 2, flags: [] },
  KVM_REQ_OUTSIDE_GUEST_MODE: { nr: 0, flags: ["WAIT", "NO_WAKEUP", "NO_ACTION"] },
};
const FLAG_BITS: [number, string][] = [[0x100, "NO_WAKEUP"], [0x200, "WAIT"], [0x400, "NO_ACTION"]];

function decodeReq(f: Readonly<Record<string, string>>): Req {
  const req = f.req;
  if (req.startsWith("0x")) {
    const v = parseInt(req, 16);
    const flags = new Set(FLAG_BITS.filter(([b]) => v & b).map(([, n]) => n));
    return { nr: v & 0xff, flags, known: (v & 0xff) <= 2 && (v & ~0x7ff) === 0 };
  }
  const entry = TABLE[req];
  if (entry === undefined) return { nr: undefined, flags: new Set(), known: false };
  const flags = new Set(f.flags === undefined || f.flags === "0" ? [] : f.flags.split("|"));
  return { nr: entry.nr, flags, known: [...flags].every((x) => entry.flags.includes(x)) };
}

const LEGAL = new Set([
  "OUTSIDE_GUEST_MODE>IN_GUEST_MODE",
  "OUTSIDE_GUEST_MODE>READING_SHADOW_PAGE_TABLES",
  "READING_SHADOW_PAGE_TABLES>OUTSIDE_GUEST_MODE",
  "IN_GUEST_MODE>OUTSIDE_GUEST_MODE",
  "IN_GUEST_MODE>EXITING_GUEST_MODE",
  "EXITING_GUEST_MODE>OUTSIDE_GUEST_MODE",
]);
const IN = "IN_GUEST_MODE", OUT = "OUTSIDE_GUEST_MODE", EXITING = "EXITING_GUEST_MODE";
const LATENCY_US = 10_000;

interface Pending {
  readonly line: number;
  readonly us: number;
  readonly noWakeup: boolean;
  ipiAfter: boolean;
}
interface Bracket {
  readonly req: Req;
  readonly mask: bigint;
  readonly unacked: Map<number, number>;
  readonly acked: Set<number>;
}
interface VState {
  mode: string;
  readonly pending: Map<number, Pending>;
  blocked: boolean;
  lastIn: number;
  dead: boolean;
  lost: number | undefined;
  readonly owed: Bracket[];
}

/** Runs the model over `events`; returns every rule hit in trace order. */
export function checkTrace(events: readonly SimLine[]): Finding[] {
  const out: Finding[] = [];
  const hit = (rule: string, line: number) => out.push({ rule, line });
  const vs = new Map<number, VState>();
  const vcpu = (id: number): VState => {
    let s = vs.get(id);
    if (s === undefined) {
      s = {
        mode: OUT,
        pending: new Map(),
        blocked: false,
        lastIn: 0,
        dead: false,
        lost: undefined,
        owed: [],
      };
      vs.set(id, s);
    }
    return s;
  };
  const made = new Map<string, { since: boolean; flags: ReadonlySet<string> }>();
  const brackets = new Map<number, Bracket>();
  const requestOf = (v: VState, req: Req, e: SimLine) => {
    if (v.lost !== undefined) hit("lost-wakeup", v.lost);
    v.lost = undefined;
    if (req.nr !== undefined && !req.flags.has("NO_ACTION") && !v.pending.has(req.nr)) {
      v.pending.set(req.nr, {
        line: e.line,
        us: e.us,
        noWakeup: req.flags.has("NO_WAKEUP"),
        ipiAfter: false,
      });
    }
  };
  for (const e of events) {
    const id = Number(e.f.vcpu);
    const v = vcpu(Number.isNaN(id) ? -1 : id);
    switch (e.name) {
      case "kvm_make_request": {
        const req = decodeReq(e.f);
        if (!req.known) hit("unknown-request", e.line);
        made.set(`${e.pid}:${id}`, { since: true, flags: req.flags });
        requestOf(v, req, e);
        break;
      }
      case "kvm_posted_interrupt":
        made.set(`${e.pid}:${id}`, { since: true, flags: new Set() });
        break;
      case "kvm_vcpu_kick":
        kick(e, id, v);
        break;
      case "kvm_vcpu_mode": {
        if (e.f.old !== v.mode || !LEGAL.has(`${e.f.old}>${e.f.new}`)) {
          hit("invalid-mode-transition", e.line);
        }
        if (e.f.new === IN) {
          if (e.flags[0] !== "d" && e.flags[0] !== "D") hit("guest-mode-irqs-enabled", e.line);
          v.lastIn = e.line;
        }
        v.mode = e.f.new;
        break;
      }
      case "kvm_request_pending": {
        const bits = BigInt(e.f.pending);
        let mine = 0n;
        for (const nr of v.pending.keys()) mine |= 1n << BigInt(nr);
        if ((bits & ~mine) !== 0n) hit("request-consumed-unmade", e.line);
        else if (bits !== mine) hit("invariant:pending-mismatch", e.line);
        break;
      }
      case "kvm_check_request":
      case "kvm_clear_request": {
        const nr = decodeReq(e.f).nr!;
        const p = v.pending.get(nr);
        if (e.name === "kvm_check_request" && e.f.result !== "1") break;
        if (p === undefined) {
          if (e.name === "kvm_check_request") hit("request-consumed-unmade", e.line);
          break;
        }
        if (e.us - p.us > LATENCY_US) hit("request-latency", e.line);
        v.pending.delete(nr);
        break;
      }
      case "kvm_make_all_cpus_request":
        allCpus(e);
        break;
      case "kvm_vcpu_ipi_ack": {
        const b = v.owed.shift();
        if (b === undefined) break;
        b.unacked.set(id, b.unacked.get(id)! - 1);
        b.acked.add(id);
        break;
      }
      case "kvm_vcpu_block":
        v.blocked = true;
        break;
      case "kvm_vcpu_unblock":
        v.blocked = false;
        v.lost = undefined;
        break;
      case "kvm_entry": {
        const unseen = [...v.pending.values()].some((p) => p.line < v.lastIn || !p.ipiAfter);
        if (unseen) hit("request-unseen-at-entry", e.line);
        if (v.dead) hit("entry-after-vm-dead", e.line);
        break;
      }
    }
  }
  const endUs = events.at(-1)?.us ?? 0;
  for (const v of vs.values()) {
    if (v.lost !== undefined) hit("lost-wakeup", v.lost);
    for (const p of v.pending.values()) {
      if (endUs - p.us > LATENCY_US) hit("request-latency", p.line);
    }
  }
  return out;

  function kick(e: SimLine, id: number, v: VState): void {
    const b = brackets.get(e.pid);
    const inBracket = b !== undefined && ((b.mask >> BigInt(id)) & 1n) === 1n;
    const key = `${e.pid}:${id}`;
    const m = made.get(key);
    if (!inBracket && e.f.action !== "self") {
      if (m?.since !== true) hit("request-less-kick", e.line);
      made.set(key, { since: false, flags: m?.flags ?? new Set() });
    }
    const flags = inBracket ? b.req.flags : m?.flags ?? new Set<string>();
    const wait = flags.has("WAIT");
    const seen = e.f.mode, actual = v.mode, action = e.f.action;
    if ((wait ? seen !== OUT : seen === IN) && action !== "ipi") hit("kick-without-ipi", e.line);
    else if (actual === IN && seen !== actual) hit("kick-without-ipi", e.line);
    if (action === "ipi") {
      const stale = (x: string) => wait ? x === OUT : x === OUT || x === EXITING;
      if (stale(seen) || stale(actual)) hit("redundant-ipi", e.line);
    }
    if (wait && actual === "READING_SHADOW_PAGE_TABLES" && action !== "ipi") {
      hit("wait-missed-reader", e.line);
    }
    if (action === "wake" && flags.has("NO_WAKEUP")) {
      if (![...v.pending.values()].some((p) => !p.noWakeup)) hit("no-wakeup-violated", e.line);
    }
    if (v.blocked && action !== "wake" && !flags.has("NO_WAKEUP") && v.lost === undefined) {
      v.lost = e.line;
    }
    // A kick that read IN_GUEST_MODE made it EXITING_GUEST_MODE, IPI or not (issue 16.7).
    if (action !== "wake" && seen === IN && actual === IN) v.mode = EXITING;
    if (action === "ipi") {
      for (const p of v.pending.values()) p.ipiAfter = true;
      if (inBracket && wait) {
        b.unacked.set(id, (b.unacked.get(id) ?? 0) + 1);
        v.owed.push(b);
      }
    } else if (action === "wake") {
      v.blocked = false;
      v.lost = undefined;
    }
  }

  function allCpus(e: SimLine): void {
    const req = decodeReq(e.f);
    const mask = BigInt(e.f.mask);
    if (e.f.phase === "begin") {
      if (!req.known) hit("unknown-request", e.line);
      brackets.set(e.pid, { req, mask, unacked: new Map(), acked: new Set() });
      for (let id = 0; id < 64; id++) {
        if (((mask >> BigInt(id)) & 1n) === 0n) continue;
        const v = vcpu(id);
        requestOf(v, req, e);
        if (e.f.req === "KVM_REQ_VM_DEAD") v.dead = true;
      }
      return;
    }
    const b = brackets.get(e.pid);
    brackets.delete(e.pid);
    if (b === undefined) return;
    if (req.flags.has("WAIT") && [...b.unacked.values()].some((n) => n > 0)) {
      hit("wait-unacknowledged", e.line);
    }
    if (e.f.req === "KVM_REQ_OUTSIDE_GUEST_MODE") {
      const stuck = [...vs].some(([id, v]) =>
        id >= 0 && ((mask >> BigInt(id)) & 1n) === 1n && (v.mode === IN || v.mode === EXITING) &&
        !b.acked.has(id)
      );
      if (stuck) hit("outside-guest-mode-not-reached", e.line);
    }
  }
}
