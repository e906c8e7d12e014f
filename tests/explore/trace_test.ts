import assert from "node:assert/strict";
import {
  counterexampleTrace,
  EXPECTED_RULE,
  type ExploreOptions,
  exploreProtocol,
  VARIANT_NAMES,
} from "../../src/explore/explore.ts";
import { decodeFlagColumn } from "../../src/events/flag_column.ts";
import { decodeProtocolEvent, isProtocolEventName } from "../../src/events/protocol.ts";
import { decodeStockEvent, isStockEventName } from "../../src/events/stock_fields.ts";
import { createLineScan, LineKind, scanFtraceLine } from "../../src/ingest/ftrace_line.ts";
import { buildModel } from "../../src/explore/model.ts";
import { replayPath } from "../../src/explore/replay.ts";

/** The event layout of trace-events.md: comm-pid, [cpu], 5-character flags, timestamp, name, fields. */
const LINE =
  /^ *(.{1,16}?)-(\d+) {1,7}\[(\d{3})\] ([dDbX.][NnpLlBb.][ZzHhs.][0-9a-f.][0-9a-f.]) +(\d+)\.(\d{6}): ([a-z_]+): (.+)$/;

interface Line {
  readonly comm: string;
  readonly pid: number;
  readonly cpu: number;
  readonly flags: string;
  readonly micros: number;
  readonly name: string;
  readonly fields: string;
}

function parse(text: string): { header: string[]; lines: Line[] } {
  assert.ok(text.endsWith("\n"));
  const header: string[] = [];
  const lines: Line[] = [];
  for (const raw of text.slice(0, -1).split("\n")) {
    if (raw.startsWith("#")) {
      assert.equal(lines.length, 0, "header lines come first");
      header.push(raw);
      continue;
    }
    const m = LINE.exec(raw);
    assert.ok(m !== null, `line does not match the layout: ${raw}`);
    lines.push({
      comm: m[1],
      pid: Number(m[2]),
      cpu: Number(m[3]),
      flags: m[4],
      micros: Number(m[5]) * 1_000_000 + Number(m[6]),
      name: m[7],
      fields: m[8],
    });
  }
  return { header, lines };
}

/** Every (variant, memory model, vcpus) that has a counterexample, at requesters=2. */
function violatingOptions(): ExploreOptions[] {
  const out: ExploreOptions[] = [];
  for (const variant of VARIANT_NAMES) {
    for (const memoryModel of ["sc", "tso"] as const) {
      if (variant === "correct" || (variant === "no-barrier" && memoryModel === "sc")) continue;
      for (const vcpus of [1, 2] as const) out.push({ vcpus, requesters: 2, memoryModel, variant });
    }
  }
  return out;
}

const CASES = violatingOptions();

Deno.test("trace: every line matches the ftrace layout, 1 µs apart", () => {
  assert.equal(CASES.length, 18);
  for (const options of CASES) {
    const r = exploreProtocol(options);
    assert.equal(r.verdict, "violation");
    const text = counterexampleTrace(r);
    const { header, lines } = parse(text);
    assert.equal(header[0], "# tracer: nop");
    assert.ok(
      header.includes(
        `# entries-in-buffer/entries-written: ${lines.length}/${lines.length}   #P:${
          options.vcpus + 2
        }`,
      ),
    );
    assert.ok(lines.length > 0);
    lines.forEach((l, i) => assert.equal(l.micros, 123_000_001 + i));
  }
});

Deno.test("trace: kvmreq's own reader and decoders accept every line", () => {
  const scan = createLineScan();
  const encoder = new TextEncoder();
  for (const options of CASES) {
    for (const raw of counterexampleTrace(exploreProtocol(options)).split("\n")) {
      if (raw === "") continue;
      const bytes = encoder.encode(raw);
      const kind = scanFtraceLine(bytes, 0, bytes.length, scan);
      if (raw.startsWith("#")) {
        assert.equal(kind, LineKind.Header);
        continue;
      }
      assert.equal(kind, LineKind.Event, raw);
      const text = (a: number, b: number) => raw.slice(a, b);
      const name = text(scan.nameStart, scan.nameEnd);
      const fields = text(scan.fieldsStart, scan.fieldsEnd);
      const flags = decodeFlagColumn(text(scan.flagsStart, scan.flagsEnd));
      assert.ok(flags !== undefined, raw);
      if (isProtocolEventName(name)) {
        const d = decodeProtocolEvent(name, fields);
        assert.ok(d.ok, `${raw}: ${d.ok ? "" : d.error}`);
      } else {
        assert.ok(isStockEventName(name), raw);
        const e = decodeStockEvent(name, fields);
        if (e.kind === "kvm_entry") assert.equal(e.vcpu, Number(fields.split(" ")[1].slice(0, -1)));
        if (e.kind === "kvm_exit") assert.equal(e.reason, "EXTERNAL_INTERRUPT");
      }
    }
  }
});

Deno.test("trace: threads have realistic comms, pids and CPUs", () => {
  const r = exploreProtocol({
    vcpus: 2,
    requesters: 2,
    memoryModel: "sc",
    variant: "no-exiting-mode",
  });
  const { lines } = parse(counterexampleTrace(r, { vmPidBase: 7000, kworkerPid: 55 }));
  const threads = new Set(lines.map((l) => `${l.comm}|${l.pid}|${l.cpu}`));
  for (const t of threads) {
    assert.ok(
      ["CPU 0/KVM|7001|0", "CPU 1/KVM|7002|1", "kworker/2:2|55|2", "qemu-system-x86|7000|3"]
        .includes(t),
      t,
    );
  }
  assert.ok(threads.has("qemu-system-x86|7000|3"));
});

Deno.test("trace: a safe result gives the header alone", () => {
  const r = exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "tso", variant: "correct" });
  const { header, lines } = parse(counterexampleTrace(r));
  assert.equal(lines.length, 0);
  assert.ok(header.includes("# entries-in-buffer/entries-written: 0/0   #P:3"));
});

/** What each lint rule needs to see in the trace (a small oracle per rule). */
const ORACLE: Record<string, (lines: Line[]) => boolean> = {
  "request-unseen-at-entry": (lines) =>
    lines.some((entry, i) => {
      if (entry.name !== "kvm_entry") return false;
      const vcpu = entry.fields.match(/^vcpu (\d+),/)?.[1];
      const made = lines.findLastIndex((l, j) =>
        j < i && l.name === "kvm_make_request" && l.fields.startsWith(`vcpu=${vcpu} `)
      );
      if (made < 0) return false;
      const between = lines.slice(made + 1, i);
      return !between.some((l) =>
        l.fields.startsWith(`vcpu=${vcpu} `) &&
        ((l.name === "kvm_vcpu_kick" && l.fields.includes("action=ipi")) ||
          (l.name === "kvm_check_request" && l.fields.endsWith("result=1")))
      );
    }),
  "request-less-kick": (lines) =>
    lines.some((kick, i) =>
      kick.name === "kvm_vcpu_kick" &&
      !lines.slice(0, i).some((l) =>
        l.pid === kick.pid &&
        (l.name === "kvm_make_request" || l.name === "kvm_make_all_cpus_request")
      )
    ),
  "guest-mode-irqs-enabled": (lines) =>
    lines.some((l) =>
      l.name === "kvm_vcpu_mode" && l.fields.includes("new=IN_GUEST_MODE") &&
      !l.flags.startsWith("d")
    ),
  "outside-guest-mode-not-reached": (lines) => {
    const begin = lines.findIndex((l) =>
      l.name === "kvm_make_all_cpus_request" &&
      l.fields.includes("req=KVM_REQ_OUTSIDE_GUEST_MODE") &&
      l.fields.endsWith("phase=begin")
    );
    const end = lines.findIndex((l, i) =>
      i > begin && l.pid === lines[begin].pid && l.fields.endsWith("phase=end")
    );
    if (begin < 0 || end < 0) return false;
    const kick = lines.slice(begin, end).find((l) => l.name === "kvm_vcpu_kick");
    const entered = lines.slice(0, begin).some((l) => l.name === "kvm_entry");
    const left = lines.slice(0, end).some((l) =>
      l.name === "kvm_exit" || l.name === "kvm_vcpu_ipi_ack"
    );
    return kick?.fields.includes("action=none") === true && entered && !left;
  },
};

Deno.test("trace: each variant's counterexample shows what its lint rule flags", () => {
  for (const options of CASES) {
    const rule = EXPECTED_RULE[options.variant];
    assert.ok(rule !== undefined);
    const { lines } = parse(counterexampleTrace(exploreProtocol(options)));
    assert.ok(ORACLE[rule](lines), `${options.variant} ${options.memoryModel}: ${rule}`);
  }
});

Deno.test("trace: the no-exiting-mode trace has the exact KVM_REQ_OUTSIDE_GUEST_MODE lines", () => {
  const r = exploreProtocol({
    vcpus: 1,
    requesters: 2,
    memoryModel: "sc",
    variant: "no-exiting-mode",
  });
  const events = parse(counterexampleTrace(r)).lines.map((l) => `${l.name}: ${l.fields}`);
  const flags = "nr=0 flags=WAIT|NO_WAKEUP|NO_ACTION mask=0x0000000000000001";
  assert.deepEqual(events.slice(-3), [
    `kvm_make_all_cpus_request: req=KVM_REQ_OUTSIDE_GUEST_MODE ${flags} phase=begin`,
    "kvm_vcpu_kick: vcpu=0 mode=OUTSIDE_GUEST_MODE action=none cpu=0",
    `kvm_make_all_cpus_request: req=KVM_REQ_OUTSIDE_GUEST_MODE ${flags} phase=end`,
  ]);
  assert.ok(events.includes("kvm_vcpu_kick: vcpu=0 mode=IN_GUEST_MODE action=ipi cpu=0"));
});

Deno.test("trace: the no-final-check trace, line for line", () => {
  const r = exploreProtocol({
    vcpus: 1,
    requesters: 1,
    memoryModel: "sc",
    variant: "no-final-check",
  });
  const body = counterexampleTrace(r, { vmPidBase: 6000 }).split("\n").filter((l) =>
    l !== "" && !l.startsWith("#")
  );
  assert.deepEqual(body, [
    "     kworker/1:2-118     [001] .....   123.000001: kvm_make_request: vcpu=0 req=KVM_REQ_UNBLOCK nr=2 flags=0",
    "     kworker/1:2-118     [001] ...1.   123.000002: kvm_vcpu_kick: vcpu=0 mode=OUTSIDE_GUEST_MODE action=none cpu=0",
    "       CPU 0/KVM-6001    [000] d..1.   123.000003: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
    "       CPU 0/KVM-6001    [000] d..1.   123.000004: kvm_entry: vcpu 0, rip 0xffffffff81000000",
  ]);
});

Deno.test("trace: a guest exit forced by an IPI is a kvm_exit EXTERNAL_INTERRUPT line", () => {
  // The correct protocol, by hand: vCPU0 enters, R1 requests and kicks, the IPI forces an exit.
  const options = { vcpus: 1, requesters: 2, memoryModel: "sc", variant: "correct" } as const;
  const vcpu = { thread: 0, kind: "exec" } as const;
  const r1 = { thread: 1, kind: "exec" } as const;
  const r2 = { thread: 2, kind: "exec" } as const;
  const path = [vcpu, vcpu, vcpu, vcpu, vcpu, r2, r2, r1, r1, r2, vcpu, r2, vcpu, vcpu, vcpu];
  const { steps } = replayPath(buildModel(options), path);
  const result = { ...exploreProtocol(options), counterexample: steps };
  const events = parse(counterexampleTrace(result)).lines.map((l) =>
    `${l.flags} ${l.name}: ${l.fields}`
  );
  assert.deepEqual(events, [
    "d..1. kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
    "d..1. kvm_request_pending: vcpu=0 pending=0x0000000000000000",
    "d..1. kvm_entry: vcpu 0, rip 0xffffffff81000000",
    "...1. kvm_make_all_cpus_request: req=KVM_REQ_OUTSIDE_GUEST_MODE nr=0 " +
    "flags=WAIT|NO_WAKEUP|NO_ACTION mask=0x0000000000000001 phase=begin",
    "...1. kvm_vcpu_kick: vcpu=0 mode=IN_GUEST_MODE action=ipi cpu=0",
    "..... kvm_make_request: vcpu=0 req=KVM_REQ_UNBLOCK nr=2 flags=0",
    "...1. kvm_vcpu_kick: vcpu=0 mode=EXITING_GUEST_MODE action=none cpu=0",
    "d..1. kvm_exit: reason EXTERNAL_INTERRUPT rip 0xffffffff81000000 info 0 0",
    "d.h1. kvm_vcpu_ipi_ack: vcpu=0 cpu=0",
    "...1. kvm_make_all_cpus_request: req=KVM_REQ_OUTSIDE_GUEST_MODE nr=0 " +
    "flags=WAIT|NO_WAKEUP|NO_ACTION mask=0x0000000000000001 phase=end",
    "d..1. kvm_vcpu_mode: vcpu=0 old=EXITING_GUEST_MODE new=OUTSIDE_GUEST_MODE",
    "..... kvm_check_request: vcpu=0 req=KVM_REQ_UNBLOCK nr=2 result=1",
  ]);
});
