import assert from "node:assert/strict";
import {
  COMMON_REQUEST_HEADER,
  decodeRequestValue,
  encodeRequestValue,
  flagsFromBits,
  formatFlags,
  KVM_REQ_DIRTY_RING_SOFT_FULL_NR,
  KVM_REQ_EVENT_NR,
  KVM_REQ_OUTSIDE_GUEST_MODE_NR,
  KVM_REQ_TLB_FLUSH_NR,
  KVM_REQ_UNBLOCK_NR,
  KVM_REQ_VM_DEAD_NR,
  KVM_REQUEST_ARCH_BASE,
  KVM_REQUEST_MASK,
  KVM_REQUEST_NO_ACTION,
  KVM_REQUEST_NO_WAKEUP,
  KVM_REQUEST_WAIT,
  NO_FLAGS,
  parseFlags,
  type RequestFlags,
  type RequestTable,
  X86_REQUEST_HEADER,
} from "../../src/kernels/request_table.ts";
import { NEWEST_REQUESTS, REQUEST_ROWS, requestTable } from "../../src/kernels/request_defs.ts";
import { KERNEL_VERSIONS, type KernelVersion } from "../../src/kernels/kernel_version.ts";

/** The `#define` lines each version's table was built from. */
function fixture(version: KernelVersion): URL {
  return new URL(`../../fixtures/kernel/kvm_host_requests-${version}.txt`, import.meta.url);
}
/** The newest table, for the checks that hold in every version. */
const T = NEWEST_REQUESTS;
const REQUESTS = T.defs;
const requestByName = (name: string) => T.byName(name);
const requestByNumber = (nr: number, opts?: { noAction?: boolean }) => T.byNumber(nr, opts);
const resolveRequest = (req: string, nr?: number, flags?: string) => T.resolve(req, nr, flags);
const ALL: RequestFlags = { noWakeup: true, wait: true, noAction: true };
const WAIT_NW: RequestFlags = { noWakeup: true, wait: true, noAction: false };

// ---- a tiny evaluator for the request #defines of the two headers ----

/** Joins `\`-continued lines and returns `[name, expression]` per KVM_REQ* define. */
function requestDefines(text: string): [string, string][] {
  const joined = text.replace(/\\\r?\n/g, " ");
  const out: [string, string][] = [];
  for (const line of joined.split(/\r?\n/)) {
    const m = /^\s*#\s*define\s+(KVM_REQ_\w+|KVM_REQUEST_\w+)\s+(.+?)\s*$/.exec(line);
    if (m) out.push([m[1], m[2]]);
  }
  return out;
}

function evaluate(expr: string, env: Map<string, number>): number {
  const e = expr.trim();
  const paren = /^\((.*)\)$/.exec(e);
  if (paren && balanced(paren[1])) return evaluate(paren[1], env);
  const call = /^(\w+)\s*\((.*)\)$/.exec(e);
  if (call) return evaluateCall(call[1], call[2], env);
  if (e.includes("|")) {
    return e.split("|").reduce((acc, part) => acc | evaluate(part, env), 0);
  }
  if (/^\d+$/.test(e)) return Number(e);
  const known = env.get(e);
  if (known === undefined) throw new Error(`cannot evaluate '${e}'`);
  return known;
}

function evaluateCall(fn: string, argText: string, env: Map<string, number>): number {
  const comma = topLevelComma(argText);
  const args = comma < 0 ? [argText] : [argText.slice(0, comma), argText.slice(comma + 1)];
  const base = env.get("KVM_REQUEST_ARCH_BASE") ?? Number.NaN;
  switch (fn) {
    case "BIT":
      return 1 << evaluate(args[0], env);
    case "GENMASK": {
      const [hi, lo] = args.map((a) => evaluate(a, env));
      return ((1 << (hi + 1)) - 1) & ~((1 << lo) - 1);
    }
    case "KVM_ARCH_REQ":
      return base + evaluate(args[0], env);
    case "KVM_ARCH_REQ_FLAGS":
      return (base + evaluate(args[0], env)) | evaluate(args[1], env);
  }
  throw new Error(`unknown macro ${fn}()`);
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    depth += c === "(" ? 1 : c === ")" ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

function topLevelComma(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "(") depth++;
    if (s[i] === ")") depth--;
    if (s[i] === "," && depth === 0) return i;
  }
  return -1;
}

/** Evaluates every define, in order; returns name → value. */
function evaluateDefines(text: string): Map<string, number> {
  const env = new Map<string, number>();
  for (const [name, expr] of requestDefines(text)) env.set(name, evaluate(expr, env));
  return env;
}

/** Checks every evaluated define against `table`; returns the request names seen. */
function checkDefinesAgainstTable(env: Map<string, number>, table: RequestTable): Set<string> {
  assert.equal(env.get("KVM_REQUEST_MASK"), KVM_REQUEST_MASK);
  assert.equal(env.get("KVM_REQUEST_NO_WAKEUP"), KVM_REQUEST_NO_WAKEUP);
  assert.equal(env.get("KVM_REQUEST_WAIT"), KVM_REQUEST_WAIT);
  assert.equal(env.get("KVM_REQUEST_NO_ACTION"), KVM_REQUEST_NO_ACTION);
  assert.equal(env.get("KVM_REQUEST_ARCH_BASE"), KVM_REQUEST_ARCH_BASE);
  const seen = new Set<string>();
  for (const [name, value] of env) {
    if (!name.startsWith("KVM_REQ_")) continue;
    const def = table.byName(name);
    assert.ok(def, `${name} is defined in the header but missing from the ${table.version} table`);
    assert.equal(def.nr, value & KVM_REQUEST_MASK, `${name}: bit number`);
    assert.deepEqual(def.flags, flagsFromBits(value), `${name}: flags`);
    seen.add(def.name);
  }
  return seen;
}

// ---- the table against the header lines it was built from ----

for (const version of KERNEL_VERSIONS) {
  Deno.test(`fixture ${version}: every #define matches its table, every row has a #define`, async () => {
    const text = await Deno.readTextFile(fixture(version));
    assert.match(text.split("\n")[0], /^# Source: .*(commit|@ [0-9a-f]{40}|Makefile)/);
    const table = requestTable(version);
    const seen = checkDefinesAgainstTable(evaluateDefines(text), table);
    assert.deepEqual([...seen].sort(), table.defs.map((def) => def.name).sort());
  });
}

Deno.test("fixture check fails on a wrong table value, and on another version's table", async () => {
  const text = await Deno.readTextFile(fixture("6.18"));
  const t618 = requestTable("6.18");
  const broken = text.replace("KVM_ARCH_REQ(6)", "KVM_ARCH_REQ(7)");
  assert.throws(() => checkDefinesAgainstTable(evaluateDefines(broken), t618), /KVM_REQ_EVENT/);
  const flagged = text.replace("(34, KVM_REQUEST_WAIT)", "(34, KVM_REQUEST_NO_WAKEUP)");
  assert.throws(() => checkDefinesAgainstTable(evaluateDefines(flagged), t618), /flags/);
  // 6.12's header against 6.18's table: bit 37 has another name, bit 42 other flags.
  const old = await Deno.readTextFile(fixture("6.12"));
  assert.throws(
    () => checkDefinesAgainstTable(evaluateDefines(old), t618),
    /KVM_REQ_MSR_FILTER_CHANGED/,
  );
});

Deno.test("6.12 and 6.18 differ where their headers do", () => {
  const [a, b] = [requestTable("6.12"), requestTable("6.18")];
  assert.equal(a.byNumber(37)?.name, "KVM_REQ_MSR_FILTER_CHANGED");
  assert.equal(b.byNumber(37)?.name, "KVM_REQ_RECALC_INTERCEPTS");
  assert.equal(a.byName("KVM_REQ_RECALC_INTERCEPTS"), undefined);
  assert.equal(b.byName("KVM_REQ_MSR_FILTER_CHANGED"), undefined);
  assert.deepEqual(a.byNumber(42)?.flags, NO_FLAGS);
  assert.deepEqual(b.byNumber(42)?.flags, { noWakeup: false, wait: true, noAction: false });
  for (const v of KERNEL_VERSIONS) {
    assert.ok(REQUEST_ROWS.some((d) => d.versions.includes(v)));
    assert.equal(requestTable(v).version, v);
  }
});

Deno.test("wakesHalted: kvm_vcpu_check_block()'s UNBLOCK and x86 kvm_vcpu_has_events()'s requests", () => {
  for (const v of KERNEL_VERSIONS) {
    const waking = requestTable(v).defs.filter((d) => d.wakesHalted).map((d) => d.name).sort();
    assert.deepEqual(waking, [
      "KVM_REQ_NMI",
      "KVM_REQ_PMI",
      "KVM_REQ_SMI",
      "KVM_REQ_UNBLOCK",
      "KVM_REQ_UPDATE_PROTECTED_GUEST_STATE",
    ]);
  }
});

const kernelSrc = envKernelSrc();

function envKernelSrc(): string | undefined {
  const state = Deno.permissions.querySync({ name: "env", variable: "KVMREQ_KERNEL_SRC" }).state;
  return state === "granted" ? Deno.env.get("KVMREQ_KERNEL_SRC") : undefined;
}

Deno.test({
  name: kernelSrc === undefined
    ? "kernel tree check skipped: set KVMREQ_KERNEL_SRC=<linux tree> and run with --allow-env"
    : `kernel tree check: ${kernelSrc}`,
  ignore: kernelSrc === undefined,
  fn: async () => {
    const common = await Deno.readTextFile(`${kernelSrc}/${COMMON_REQUEST_HEADER}`);
    const x86 = await Deno.readTextFile(`${kernelSrc}/${X86_REQUEST_HEADER}`);
    const makefile = await Deno.readTextFile(`${kernelSrc}/Makefile`);
    const [, major, minor] = /VERSION = (\d+)\s+PATCHLEVEL = (\d+)/.exec(makefile) ?? [];
    const version = KERNEL_VERSIONS.find((v) => v === `${major}.${minor}`);
    assert.ok(version, `${kernelSrc} is ${major}.${minor}, which has no table`);
    checkDefinesAgainstTable(evaluateDefines(`${common}\n${x86}`), requestTable(version));
  },
});

// ---- table shape ----

Deno.test("names are unique and numbers of logged requests are unique", () => {
  const names = REQUESTS.map((def) => def.name);
  assert.equal(new Set(names).size, names.length);
  const logged = REQUESTS.filter((def) => !def.flags.noAction).map((def) => def.nr);
  assert.equal(new Set(logged).size, logged.length);
  for (const def of REQUESTS) {
    assert.ok(Number.isInteger(def.nr) && def.nr >= 0 && def.nr < 64, def.name);
    assert.ok(def.meaning.length > 0 && !def.meaning.includes("\n"), def.name);
  }
});

Deno.test("common requests carry the header's numbers and flags", () => {
  const expect: [string, number, RequestFlags][] = [
    ["KVM_REQ_TLB_FLUSH", KVM_REQ_TLB_FLUSH_NR, WAIT_NW],
    ["KVM_REQ_VM_DEAD", KVM_REQ_VM_DEAD_NR, WAIT_NW],
    ["KVM_REQ_UNBLOCK", KVM_REQ_UNBLOCK_NR, NO_FLAGS],
    ["KVM_REQ_DIRTY_RING_SOFT_FULL", KVM_REQ_DIRTY_RING_SOFT_FULL_NR, NO_FLAGS],
    ["KVM_REQ_OUTSIDE_GUEST_MODE", KVM_REQ_OUTSIDE_GUEST_MODE_NR, ALL],
  ];
  assert.deepEqual([KVM_REQ_TLB_FLUSH_NR, KVM_REQ_VM_DEAD_NR, KVM_REQ_UNBLOCK_NR], [0, 1, 2]);
  for (const [name, nr, flags] of expect) {
    const def = requestByName(name);
    assert.ok(def);
    assert.equal(def.nr, nr, name);
    assert.deepEqual(def.flags, flags, name);
    assert.equal(def.arch, "common");
    assert.equal(def.header, "include/linux/kvm_host.h");
  }
  assert.equal(REQUESTS.filter((def) => def.arch === "common").length, 5);
});

Deno.test("x86 spot checks: KVM_ARCH_REQ(n) is bit 8 + n", () => {
  const spot: [string, number, RequestFlags][] = [
    ["KVM_REQ_MIGRATE_TIMER", 8, NO_FLAGS],
    ["KVM_REQ_EVENT", KVM_REQ_EVENT_NR, NO_FLAGS],
    ["KVM_REQ_NMI", 17, NO_FLAGS],
    ["KVM_REQ_MCLOCK_INPROGRESS", 22, WAIT_NW],
    ["KVM_REQ_APICV_UPDATE", 33, WAIT_NW],
    ["KVM_REQ_RECALC_INTERCEPTS", 37, NO_FLAGS],
    ["KVM_REQ_HV_TLB_FLUSH", 40, WAIT_NW],
    ["KVM_REQ_UPDATE_PROTECTED_GUEST_STATE", 42, { noWakeup: false, wait: true, noAction: false }],
  ];
  for (const [name, nr, flags] of spot) {
    const def = requestByName(name);
    assert.ok(def, name);
    assert.equal(def.nr, nr, name);
    assert.equal(def.archIndex, nr - 8, name);
    assert.deepEqual(def.flags, flags, name);
    assert.equal(def.header, "arch/x86/include/asm/kvm_host.h");
  }
  assert.equal(KVM_REQ_EVENT_NR, 14);
  assert.equal(requestByName("KVM_REQ_SMI")?.config, "CONFIG_KVM_SMM");
  assert.equal(requestByNumber(41), undefined, "KVM_ARCH_REQ(33) is unused");
});

Deno.test("lookups: prefix-less names, bit 0 sharing", () => {
  assert.equal(requestByName("tlb_flush")?.name, "KVM_REQ_TLB_FLUSH");
  assert.equal(requestByName("KVM_REQ_NOPE"), undefined);
  assert.equal(requestByNumber(0)?.name, "KVM_REQ_TLB_FLUSH");
  assert.equal(requestByNumber(0, { noAction: true })?.name, "KVM_REQ_OUTSIDE_GUEST_MODE");
  assert.equal(requestByNumber(2)?.name, "KVM_REQ_UNBLOCK");
  assert.equal(requestByNumber(63), undefined);
});

// ---- values and flags ----

Deno.test("decode/encode round-trip for every request and for raw values", () => {
  for (const def of REQUESTS) {
    const raw = encodeRequestValue(def.nr, def.flags);
    const back = decodeRequestValue(raw);
    assert.equal(back.nr, def.nr);
    assert.deepEqual(back.flags, def.flags);
    assert.equal(back.unknownFlagBits, 0);
    assert.deepEqual(decodeRequestValue(BigInt(raw)), back);
  }
  for (let raw = 0; raw < 0x800; raw += 7) {
    const d = decodeRequestValue(raw);
    assert.equal(encodeRequestValue(d.nr, d.flags), raw);
  }
  assert.equal(encodeRequestValue(0, WAIT_NW), 0x300);
  assert.equal(encodeRequestValue(0, ALL), 0x700);
  assert.equal(decodeRequestValue(0x1300).unknownFlagBits, 0x1000);
  assert.throws(() => decodeRequestValue(-1), RangeError);
  assert.throws(() => decodeRequestValue(1.5), RangeError);
  assert.throws(() => decodeRequestValue(0x1_0000_0000n), RangeError);
  assert.throws(() => encodeRequestValue(256), RangeError);
});

Deno.test("parseFlags / formatFlags", () => {
  const ok = (text: string | undefined) => {
    const r = parseFlags(text);
    assert.ok(r.ok, `${text}: ${r.ok ? "" : r.error}`);
    return r.flags;
  };
  assert.deepEqual(ok("WAIT|NO_WAKEUP|NO_ACTION"), ALL);
  assert.deepEqual(ok("NO_WAKEUP|WAIT"), WAIT_NW);
  assert.deepEqual(ok("KVM_REQUEST_WAIT|KVM_REQUEST_NO_WAKEUP"), WAIT_NW);
  assert.deepEqual(ok("wait , no_wakeup"), WAIT_NW);
  assert.deepEqual(ok("0"), NO_FLAGS);
  assert.deepEqual(ok(""), NO_FLAGS);
  assert.deepEqual(ok(undefined), NO_FLAGS);
  assert.deepEqual(ok("0x300"), WAIT_NW);
  for (const bad of ["WAITS", "WAIT|FOO", "0x301", "NO-WAKEUP"]) {
    const r = parseFlags(bad);
    assert.equal(r.ok, false, bad);
    assert.ok(!r.ok && r.error.length > 0);
  }
  assert.equal(formatFlags(ALL), "WAIT|NO_WAKEUP|NO_ACTION");
  assert.equal(formatFlags({ noWakeup: true, wait: false, noAction: true }), "NO_WAKEUP|NO_ACTION");
  assert.equal(formatFlags(NO_FLAGS), "0");
  for (const def of REQUESTS) {
    const r = parseFlags(formatFlags(def.flags));
    assert.ok(r.ok);
    assert.deepEqual(r.flags, def.flags);
  }
});

// ---- resolveRequest ----

Deno.test("resolveRequest: names, numbers and raw values", () => {
  const byName = resolveRequest("KVM_REQ_TLB_FLUSH", 0, "WAIT|NO_WAKEUP");
  assert.deepEqual(byName, {
    ok: true,
    nr: 0,
    name: "KVM_REQ_TLB_FLUSH",
    flags: WAIT_NW,
    known: true,
  });
  const byNumber = resolveRequest("8");
  assert.ok(byNumber.ok);
  assert.equal(byNumber.name, "KVM_REQ_MIGRATE_TIMER");
  assert.deepEqual(byNumber.flags, NO_FLAGS);
  const raw = resolveRequest("0x00000300");
  assert.ok(raw.ok);
  assert.equal(raw.nr, 0);
  assert.equal(raw.name, "KVM_REQ_TLB_FLUSH");
  assert.deepEqual(raw.flags, WAIT_NW);
  assert.equal(raw.mismatch, undefined);
  const outside = resolveRequest("0x700");
  assert.ok(outside.ok);
  assert.equal(outside.name, "KVM_REQ_OUTSIDE_GUEST_MODE");
  const defaults = resolveRequest("KVM_REQ_VM_DEAD");
  assert.ok(defaults.ok);
  assert.deepEqual(defaults.flags, WAIT_NW);
  const unknownNr = resolveRequest("41");
  assert.ok(unknownNr.ok);
  assert.equal(unknownNr.known, false);
  assert.equal(unknownNr.name, undefined);
  const unknownName = resolveRequest("KVM_REQ_FUTURE", 50, "WAIT");
  assert.ok(unknownName.ok);
  assert.equal(unknownName.known, false);
  assert.equal(unknownName.name, "KVM_REQ_FUTURE");
  assert.equal(unknownName.nr, 50);
});

Deno.test("resolveRequest: mismatches, warnings and errors", () => {
  const wrongNr = resolveRequest("KVM_REQ_UNBLOCK", 3);
  assert.ok(wrongNr.ok);
  assert.equal(wrongNr.nr, 2);
  assert.match(wrongNr.mismatch ?? "", /nr=3 .*bit 2/);
  const wrongFlags = resolveRequest("KVM_REQ_TLB_FLUSH", 0, "0");
  assert.ok(wrongFlags.ok);
  assert.match(wrongFlags.mismatch ?? "", /defined with WAIT\|NO_WAKEUP/);
  const rawVsNr = resolveRequest("0x0000030e", 13);
  assert.ok(rawVsNr.ok);
  assert.equal(rawVsNr.name, "KVM_REQ_EVENT");
  assert.match(rawVsNr.mismatch ?? "", /nr=13/);
  const extraBits = resolveRequest("0x00001002");
  assert.ok(extraBits.ok);
  assert.match(extraBits.warning ?? "", /unknown flag bits 0x1000/);
  for (
    const [req, nr, flags] of [
      ["KVM_REQ_FUTURE", undefined, undefined],
      ["64", undefined, undefined],
      ["0x100000000", undefined, undefined],
      ["KVM_REQ_TLB_FLUSH", undefined, "SOMETIMES"],
      ["not a request", undefined, undefined],
    ] as const
  ) {
    const r = resolveRequest(req, nr, flags);
    assert.equal(r.ok, false, req);
    assert.ok(!r.ok && r.error.length > 0);
  }
});
