/**
 * A reproducible, real-shaped mixed trace for benchmarks: the event mix and
 * line shapes of a KVM guest boot recorded with `kvm:*` (traces/ and
 * /work/big/boot.trace: mostly kvm_emulate_insn, kvm_mmio, kvm_pio, kvm_fpu,
 * kvm_userspace_exit, kvm_msr, kvm_cpuid, …), plus the kvm_entry/kvm_exit
 * pairs a VMX/SVM host emits (about 15% of lines), and a few sched_*,
 * ipi_send_cpu and csd_* events, some sched_waking with a `<stack trace>`;
 * 24 of those stacks hold a request-less kick (as in the real boot traces),
 * so the findings, and lint's memory, do not grow with the size. Two vCPU threads (`CPU 0/KVM`,
 * `CPU 1/KVM`) on two CPUs, QEMU's main thread, kworkers; timestamps rise.
 *
 * Same seed and size, same bytes. Usage:
 * `deno run -A bench/gen_mixed.ts OUT.trace SIZE_MB [SEED]`.
 *
 * @module
 */

import { ftraceHeaderLines } from "../src/events/ftrace_header.ts";
import { Prng } from "../src/sim/prng.ts";

/** Options of {@link writeMixedTrace}. */
export interface MixedOptions {
  /** Bytes to write (about; the last line completes). */
  readonly bytes: number;
  /** PRNG seed. */
  readonly seed: number;
  /** Share of lines that are kvm_entry or kvm_exit (0–1). */
  readonly entryExitShare?: number;
}

/** What the generator wrote. */
export interface MixedResult {
  /** Bytes written. */
  readonly bytes: number;
  /** Lines written (header included). */
  readonly lines: number;
  /** Event lines. */
  readonly events: number;
}

/** Floats in [0, 1) from the project's seeded PRNG (src/sim/prng.ts). */
function prng(seed: number): () => number {
  const r = new Prng(seed);
  return () => r.float();
}

/** The kernel's header for the nop tracer with irq-info, two CPUs. */
const HEADER = ftraceHeaderLines(0, 2).join("\n") + "\n";

const QEMU = 26557;
const VCPU_PID = [26567, 26568];
const RIPS = [
  "ffffffff81e3a5cf",
  "ffffffff8108e1b6",
  "ffffffff81f5b8ee",
  "ffffffff81000000",
  "ffffffffa7a6d9c4",
];
const EXIT_REASONS = [
  "EXTERNAL_INTERRUPT",
  "HLT",
  "EPT_MISCONFIG",
  "MSR_WRITE",
  "IO_INSTRUCTION",
  "EPT_VIOLATION",
  "PREEMPTION_TIMER",
];
const VECTORS = ["800000ec", "800000fb", "800000f6", "800000ef", "80000b0e"];
const INSNS = [
  "f0000:e05b:2e 66 83 3e c8 61 00 (real)",
  "ffff0000:fff0:ea 5b e0 00 f0 (real)",
  "f0000:d0a4:66 89 c8 (real)",
  "0:ffffffff8103ff2e:0f 30 (prot64)",
  "0:ffffffff81073bb2:8b 00 (prot64)",
  "c0000:1f4a:e6 80 (real)",
];

function hex(r: () => number, digits: number): string {
  let s = "";
  for (let i = 0; i < digits; i++) s += "0123456789abcdef"[Math.floor(r() * 16)];
  return s;
}

/**
 * Writes the trace to `sink` in pieces of about 4 MB.
 *
 * @example
 * ```ts
 * import { writeMixedTrace } from "./gen_mixed.ts";
 * let text = "";
 * const r = writeMixedTrace({ bytes: 20_000, seed: 1 }, (s) => (text += s));
 * if (!text.startsWith("# tracer: nop") || r.lines < 100) throw new Error();
 * ```
 */
export function writeMixedTrace(o: MixedOptions, sink: (text: string) => void): MixedResult {
  const r = prng(o.seed);
  const entryExit = o.entryExitShare ?? 0.15;
  let us = 1545_414_139;
  let out: string[] = [HEADER];
  let pending = HEADER.length;
  let bytes = 0;
  let lines = HEADER.split("\n").length - 1;
  let events = 0;
  const inGuest = [false, false];
  let kicksLeft = 24;
  const emit = (line: string) => {
    out.push(line);
    pending += line.length + 1;
    lines++;
    if (pending >= 4 << 20) {
      const text = out.join("\n") + "\n";
      sink(text);
      bytes += text.length;
      out = [];
      pending = 0;
    }
  };
  const ts = () => {
    us += 1 + Math.floor(r() * 6);
    return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}`;
  };
  const vcpuCtx = (v: number, flags: string) =>
    `       CPU ${v}/KVM-${VCPU_PID[v]}   [00${v}] ${flags}  ${ts()}`;
  const qemuCtx = (cpu: number, flags: string) =>
    ` qemu-system-x86-${QEMU}   [00${cpu}] ${flags}  ${ts()}`;
  while (bytes + pending < o.bytes) {
    events++;
    const v = r() < 0.5 ? 0 : 1;
    const x = r();
    if (x < entryExit) {
      // Guest entry and exit alternate per vCPU.
      if (!inGuest[v]) {
        emit(`${vcpuCtx(v, "d..1.")}: kvm_entry: vcpu ${v}, rip 0x${RIPS[Math.floor(r() * 5)]}`);
      } else {
        // VMX prints the interrupt info of external interrupts (valid bit and vector).
        const reason = EXIT_REASONS[Math.floor(r() * EXIT_REASONS.length)];
        const intr = reason === "EXTERNAL_INTERRUPT"
          ? VECTORS[Math.floor(r() * VECTORS.length)]
          : "00000000";
        emit(
          `${vcpuCtx(v, "d..1.")}: kvm_exit: vcpu ${v} reason ${reason} rip 0x${
            RIPS[Math.floor(r() * 5)]
          } info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x${intr} error_code 0x00000000`,
        );
      }
      inGuest[v] = !inGuest[v];
      continue;
    }
    const y = (x - entryExit) / (1 - entryExit);
    if (y < 0.6) {
      emit(`${vcpuCtx(v, ".....")}: kvm_emulate_insn: ${INSNS[Math.floor(r() * INSNS.length)]}`);
    } else if (y < 0.7) {
      const w = r() < 0.5;
      emit(
        `${vcpuCtx(v, ".....")}: kvm_mmio: mmio ${w ? "write" : "read"} len 4 gpa 0xfee000${
          hex(r, 2)
        } val 0x${hex(r, 3)}`,
      );
    } else if (y < 0.77) {
      const w = r() < 0.5;
      emit(
        `${vcpuCtx(v, ".....")}: kvm_pio: pio_${w ? "write" : "read"} at 0x${
          ["70", "71", "3f8", "cf8", "cfc"][Math.floor(r() * 5)]
        } size 1 count 1 val 0x${hex(r, 2)} `,
      );
    } else if (y < 0.83) {
      emit(`${vcpuCtx(v, ".N...")}: kvm_fpu: ${r() < 0.5 ? "load" : "unload"}`);
    } else if (y < 0.87) {
      emit(`${vcpuCtx(v, ".....")}: kvm_userspace_exit: reason KVM_EXIT_IO (2)`);
    } else if (y < 0.9) {
      emit(`${vcpuCtx(v, ".....")}: kvm_msr: msr_write 6e0 = 0x${hex(r, 11)}`);
    } else if (y < 0.92) {
      emit(
        `${
          vcpuCtx(v, ".....")
        }: kvm_cpuid: func 40000000 idx 6 rax 40000001 rbx 4b4d564b rcx 564b4d56 rdx 4d, cpuid entry found`,
      );
    } else if (y < 0.94) {
      emit(`${qemuCtx(v, ".....")}: kvm_set_irq: gsi 4 level ${r() < 0.5 ? 0 : 1} source 0`);
    } else if (y < 0.95) {
      emit(
        `${
          qemuCtx(v, "...1.")
        }: kvm_ioapic_set_irq: pin 4 dst 0 vec 0 (Fixed|physical|edge|masked)`,
      );
    } else if (y < 0.965) {
      const to = v === 0 ? 1 : 0;
      emit(
        `${qemuCtx(v, "d..2.")}: sched_switch: prev_comm=qemu-system-x86 prev_pid=${QEMU} ` +
          `prev_prio=120 prev_state=S ==> next_comm=CPU ${to}/KVM next_pid=${
            VCPU_PID[to]
          } next_prio=120`,
      );
    } else if (y < 0.975) {
      emit(
        `${qemuCtx(v, "d..2.")}: ipi_send_cpu: cpu=${
          1 - v
        } callsite=wakeup_preempt+0x92/0xa0 callback=0x0`,
      );
    } else if (y < 0.985) {
      emit(
        `${
          qemuCtx(v, "...2.")
        }: csd_queue_cpu: cpu=${v} callsite=on_each_cpu_cond_mask+0x20/0x60 func=flush_tlb_func csd=000000004110f32d`,
      );
      emit(
        `            deno-26544   [00${v}] d.h3.  ${ts()}: csd_function_entry: func=flush_tlb_func, csd=000000004110f32d`,
      );
      events++;
    } else if (y < 0.995) {
      emit(
        `       CPU ${1 - v}/KVM-${
          VCPU_PID[1 - v]
        }   [00${v}] d..2.  ${ts()}: sched_waking: comm=CPU ${v}/KVM pid=${
          VCPU_PID[v]
        } prio=120 target_cpu=00${v}`,
      );
      if (r() < 0.5) {
        // The stacktrace trigger on sched_waking: a request-less kick now and then.
        emit(`       CPU ${1 - v}/KVM-${VCPU_PID[1 - v]}   [00${v}] d..2.  ${ts()}: <stack trace>`);
        const kick = kicksLeft > 0 && r() < 0.3;
        if (kick) kicksLeft--;
        const frames = kick
          ? [
            "trace_event_raw_event_sched_wakeup_template",
            "try_to_wake_up",
            "rcuwait_wake_up",
            "__kvm_vcpu_kick",
            "kvm_arch_memslots_updated",
            "kvm_swap_active_memslots",
            "kvm_set_memslot",
          ]
          : ["trace_event_raw_event_sched_wakeup_template", "try_to_wake_up", "complete"];
        for (const f of frames) emit(` => ${f}`);
      }
    } else {
      emit(
        `     kworker/${v}:0-26772   [00${v}] D..4.  ${ts()}: sched_wakeup: comm=qemu-system-x86 pid=${QEMU} prio=120 target_cpu=00${v}`,
      );
    }
  }
  const text = out.join("\n") + "\n";
  sink(text);
  bytes += text.length;
  return { bytes, lines, events };
}

if (import.meta.main) {
  const [path, sizeMb, seed] = Deno.args;
  if (path === undefined || sizeMb === undefined) {
    console.error("usage: deno run -A bench/gen_mixed.ts OUT.trace SIZE_MB [SEED]");
    Deno.exit(2);
  }
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  const r = writeMixedTrace(
    { bytes: Number(sizeMb) * (1 << 20), seed: Number(seed ?? 1) },
    (s) => {
      const b = enc.encode(s);
      let off = 0;
      while (off < b.length) off += file.writeSync(b.subarray(off));
    },
  );
  file.close();
  console.log(JSON.stringify(r));
}
