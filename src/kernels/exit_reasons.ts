/**
 * Exit reasons as `kvm_exit` prints them, per architecture: the name
 * (`reason %s`, from __print_symbolic over the vendor's list) and what kind
 * of exit it is, for `kvmreq analyze` and for rules that must know a halt.
 *
 * x86 (6.12 and 6.18 alike): VMX names from VMX_EXIT_REASONS
 * (arch/x86/include/uapi/asm/vmx.h), SVM names from SVM_EXIT_REASONS
 * (arch/x86/include/uapi/asm/svm.h; exceptions print as `PF excp`, …).
 * Names not in the table are kept as printed, in the `other` class.
 *
 * @module
 */

/** What an exit was for. */
export type ExitClass =
  | "halt"
  | "interrupt"
  | "io"
  | "mmio/page-fault"
  | "msr"
  | "cpuid"
  | "hypercall"
  | "pause"
  | "interrupt-window"
  | "apic"
  | "exception"
  | "other";

/** x86 exit names by class (VMX upper case, SVM lower case, as the kernel prints them). */
const X86_EXIT_CLASSES: Readonly<Record<Exclude<ExitClass, "other">, readonly string[]>> = {
  // MWAIT is emulated as a NOP by default (kvm_emulate_mwait()): not a halt.
  halt: ["HLT", "hlt"],
  interrupt: [
    "EXTERNAL_INTERRUPT",
    "interrupt",
    "EXCEPTION_NMI",
    "nmi",
    "smi",
    "PREEMPTION_TIMER",
  ],
  io: ["IO_INSTRUCTION", "io"],
  "mmio/page-fault": ["EPT_VIOLATION", "EPT_MISCONFIG", "npf", "PF excp", "PF"],
  msr: ["MSR_READ", "MSR_WRITE", "msr"],
  cpuid: ["CPUID", "cpuid"],
  hypercall: ["VMCALL", "vmmcall", "hypercall"],
  pause: ["PAUSE_INSTRUCTION", "pause"],
  "interrupt-window": ["INTERRUPT_WINDOW", "NMI_WINDOW", "vintr"],
  apic: ["APIC_ACCESS", "APIC_WRITE", "EOI_INDUCED", "TPR_BELOW_THRESHOLD"],
  exception: [
    "DE excp",
    "DB excp",
    "BP excp",
    "OF excp",
    "BR excp",
    "UD excp",
    "NM excp",
    "DF excp",
    "TS excp",
    "NP excp",
    "SS excp",
    "GP excp",
    "MF excp",
    "AC excp",
    "MC excp",
    "XF excp",
    "TRIPLE_FAULT",
  ],
};

const X86_CLASS_OF: ReadonlyMap<string, ExitClass> = new Map(
  Object.entries(X86_EXIT_CLASSES).flatMap(([cls, names]) =>
    names.map((n) => [n, cls as ExitClass] as const)
  ),
);

/**
 * The exit reason of a `kvm_exit` text: what lies between `reason ` and
 * ` rip ` (SVM exceptions are two words: `PF excp`), `undefined` without one.
 *
 * @example
 * ```ts
 * import { exitReasonOf } from "./exit_reasons.ts";
 * const r = exitReasonOf("vcpu 0 reason PF excp rip 0x1000 info1 0x0 info2 0x0");
 * if (r !== "PF excp") throw new Error(r);
 * ```
 */
export function exitReasonOf(fields: string): string | undefined {
  const at = fields.indexOf("reason ");
  if (at < 0) return undefined;
  const start = at + 7;
  const end = fields.indexOf(" rip ", start);
  const reason = (end < 0 ? fields.slice(start).split(" ")[0] : fields.slice(start, end)).trim();
  return reason === "" ? undefined : reason;
}

/** The class of exit reason `reason` (as printed); `other` when not in the table. */
export function exitClass(reason: string | undefined): ExitClass {
  return reason === undefined ? "other" : X86_CLASS_OF.get(reason) ?? "other";
}

/** Whether `reason` is a halt (HLT): the vCPU may sleep in kvm_vcpu_halt() after it. */
export function isHaltExit(reason: string | undefined): boolean {
  return exitClass(reason) === "halt";
}
