/**
 * A synthetic trace.dat with every test format, several CPUs, stacks, lost
 * events, time extends, absolute timestamps and discarded events — the
 * common input of the unit, live-comparison and fuzz tests.
 *
 * @module
 */

import { type WCpu, type WFile, type WRecord, writeDatV6 } from "./dat_writer.ts";
import { PayloadBuilder } from "./payload.ts";
import { testFormats } from "./test_formats.ts";

/** Kernel symbols of the synthetic traces. */
export const KALLSYMS = [
  "ffffffff81000000 T _stext",
  "ffffffff81000000 T startup_64",
  "ffffffff81001000 T do_one",
  "ffffffff81002000 t helper_fn",
  "ffffffff81003000 T on_each_cpu_cond_mask",
  "ffffffff81003100 T generic_smp_call_function_single_interrupt",
  "ffffffff81003200 T flush_tlb_func",
  "ffffffff81003300 T __kvm_vcpu_kick",
  "ffffffff81003400 T try_to_wake_up",
  "ffffffff81003500 A some_absolute",
  "ffffffff81003600 T kvm_flush_remote_tlbs",
  "ffffffffc0100000 t vmx_vcpu_run\t[kvm_intel]",
  "ffffffffc0100800 t vmx_handle_exit\t[kvm_intel]",
].join("\n") + "\n";

/** Options of {@link syntheticDat}. */
export interface SyntheticOptions {
  /** Big-endian file. */
  readonly bigEndian?: boolean;
  /** Long (and pointer) size. */
  readonly longSize?: 4 | 8;
  /** Records per CPU (about). */
  readonly perCpu?: number;
  /** Number of CPUs. */
  readonly cpus?: number;
}

/** Builds the synthetic file (version 6). */
export function syntheticDat(o: SyntheticOptions = {}): Uint8Array {
  return writeDatV6(syntheticFile(o));
}

/** The synthetic file's contents, for either writer. */
export function syntheticFile(o: SyntheticOptions = {}): WFile {
  const be = o.bigEndian ?? false;
  const L = o.longSize ?? 8;
  const fm = testFormats(L);
  const all = [
    ...fm.ftrace.map((t) => ({ t, s: "ftrace" })),
    ...fm.systems.flatMap((s) => s.formats.map((t) => ({ t, s: s.name }))),
  ];
  const b = new Map(all.map(({ t, s }) => {
    const pb = new PayloadBuilder(t, s, be, L);
    return [/name: (\S+)/.exec(t)![1], pb];
  }));
  const ev = (name: string) => b.get(name)!;
  const K = 0xffffffff81000000n;
  const ptr = (v: bigint) => (L === 4 ? v & 0xffffffffn : v);
  const ncpu = o.cpus ?? 3;
  const per = o.perCpu ?? 40;
  const cpus: WCpu[] = [];
  for (let c = 0; c < ncpu; c++) {
    const recs: WRecord[] = [];
    let ts = 1_000_000_000n + BigInt(c) * 777n;
    const pid = 1000 + c;
    for (let i = 0; i < per; i++) {
      ts += BigInt(1 + ((i * 7919 + c * 31) % 5000));
      if (i === 10) ts += 1n << 28n; // needs a TIME_EXTEND
      const k = (i + c) % 14;
      const flags = (i % 3 === 0 ? 1 : 0) | (i % 5 === 0 ? 0x08 : 0);
      const pc = i % 4;
      let data: Uint8Array;
      switch (k) {
        case 0:
          data = ev("sched_switch").build(
            pid,
            {
              prev_comm: `task${c}`,
              prev_pid: pid,
              prev_prio: 120,
              prev_state: i % 3,
              next_comm: `CPU ${c}/KVM`,
              next_pid: 2000 + c,
              next_prio: 120,
            },
            flags,
            pc,
          );
          break;
        case 1:
          data = ev("sched_waking").build(
            pid,
            { comm: "qemu-system-x86", pid: 4937, prio: 120, target_cpu: c },
            flags,
            pc,
          );
          break;
        case 2:
          data = ev("sched_wakeup").build(
            pid,
            { comm: "vhost-4937", pid: 4938 + c, prio: 100, target_cpu: c },
            flags,
            pc,
          );
          break;
        case 3:
          data = ev("ipi_send_cpu").build(
            pid,
            { cpu: c, callsite: ptr(K + 0x3020n), callback: ptr(K + 0x3100n) },
            flags,
            pc,
          );
          break;
        case 4:
          data = ev("ipi_send_cpumask").build(
            pid,
            {
              cpumask: new Uint8Array([0b1011_0111, 0, 1, 0, 0, 0, 0, 0]),
              callsite: ptr(K + 0x3010n),
              callback: ptr(K + 0x3200n),
            },
            flags,
            pc,
          );
          break;
        case 5:
          data = ev("csd_queue_cpu").build(
            pid,
            {
              cpu: 1,
              callsite: ptr(K + 0x3020n),
              func: ptr(K + 0x3200n),
              csd: ptr(0xffff888012345678n + BigInt(i)),
            },
            flags,
            pc,
          );
          break;
        case 6:
          data = ev("csd_function_entry").build(
            pid,
            { func: ptr(K + 0x3200n), csd: i % 2 ? 0n : ptr(0xffff888012345678n) },
            flags,
            pc,
          );
          break;
        case 7:
          data = ev("kvm_entry").build(
            2000 + c,
            { vcpu_id: c, rip: ptr(0xffffffff8100abcdn + BigInt(i)) },
            flags,
            pc,
          );
          break;
        case 8:
          data = ev("kvm_exit").build(
            2000 + c,
            {
              exit_reason: [1, 12, 48, 99, 0x80000021][i % 5],
              guest_rip: ptr(0xfff0n + BigInt(i)),
              isa: 1,
              info1: 0x1234n,
              info2: 0x800000ecn,
              vcpu_id: c,
            },
            flags,
            pc,
          );
          break;
        case 9:
          data = ev("kvm_vcpu_wakeup").build(
            2000 + c,
            { ns: 1274786112n + BigInt(i), waited: i % 2, valid: 1 },
            flags,
            pc,
          );
          break;
        case 10:
          data = ev("kvm_apic_ipi").build(
            2000 + c,
            { icr_low: [0x000c4500, 0x000000ec, 0x00084000, 0x00004830][i % 4], dest_id: c },
            flags,
            pc,
          );
          break;
        case 11:
          data = ev("kvm_make_request").build(
            2000 + c,
            { vcpu: c, req: [0x300, 0x1, 0x102, 0x0, 0x807][i % 5], site: ptr(K + 0x3640n) },
            flags,
            pc,
          );
          break;
        case 12:
          data = ev("stress").build(
            pid,
            {
              a: -5 + i,
              b: -300,
              c: -70000 + i,
              d: -(1n << 40n),
              e: 200,
              f: 0xbeef,
              g: 0xabc,
              h: 0x123456789n + BigInt(i),
              name: "abcdefg",
              str: `dyn-${i}`,
              blob: new Uint8Array([1, 2, 0xfe, i & 0xff]),
              arr: new Uint8Array(4 * L).fill(3),
            },
            flags,
            pc,
          );
          break;
        default:
          data = [
            ev("failing").build(pid, { x: i, tag: "ab\u0001", p: ptr(K) }),
            ev("arith").build(pid, { x: 100 + i, y: 7, z: 3 }),
            ev("pct").build(pid, { x: i, y: 2 }),
            ev("few").build(pid, { x: i }),
            ev("kvm_userspace_exit").build(2000 + c, { reason: i % 3, errno: [0, -4, -14][i % 3] }),
          ][i % 5];
      }
      recs.push({ ts, data, absolute: i === 20, discardedBefore: i === 15 ? 12 : undefined });
      if (k === 0 || k === 3) {
        // A stacktrace trigger record right after the event, same pid.
        const callers = new Uint8Array(8 * L);
        const v = new DataView(callers.buffer);
        const addrs = [K + 0x3410n, K + 0x3320n, 0xffffffffdeadbeefn, ~0n];
        addrs.forEach((a, j) => {
          if (L === 8) v.setBigUint64(j * 8, a, !be);
          else v.setUint32(j * 4, Number(a & 0xffffffffn), !be);
        });
        recs.push({ ts, data: ev("kernel_stack").build(pid, { size: 3, caller: callers }) });
      }
    }
    cpus.push({
      records: recs,
      pageBreaks: [25],
      lost: c === 1 ? [{ atRecord: 25, count: 17 }] : [],
    });
  }
  return {
    bigEndian: be,
    longSize: L,
    kernelLong: L,
    ftrace: fm.ftrace,
    systems: fm.systems,
    kallsyms: KALLSYMS,
    cmdlines: "1000 task0\n1001 task 1\n4937 qemu-system-x86\n",
    cpus,
    clock: "[local] global counter",
  };
}
