/**
 * The exit-reason names libtraceevent's kvm plugin prints for `kvm_exit`
 * and `kvm_nested_vmexit` (plugin_kvm.c, VMX_EXIT_REASONS and
 * SVM_EXIT_REASONS). Only these names: the plugin does not use the kernel's
 * own `__print_symbolic` table.
 *
 * @module
 */

const VMX: readonly [string, number][] = [
  ["EXCEPTION_NMI", 0],
  ["EXTERNAL_INTERRUPT", 1],
  ["TRIPLE_FAULT", 2],
  ["PENDING_INTERRUPT", 7],
  ["NMI_WINDOW", 8],
  ["TASK_SWITCH", 9],
  ["CPUID", 10],
  ["HLT", 12],
  ["INVD", 13],
  ["INVLPG", 14],
  ["RDPMC", 15],
  ["RDTSC", 16],
  ["VMCALL", 18],
  ["VMCLEAR", 19],
  ["VMLAUNCH", 20],
  ["VMPTRLD", 21],
  ["VMPTRST", 22],
  ["VMREAD", 23],
  ["VMRESUME", 24],
  ["VMWRITE", 25],
  ["VMOFF", 26],
  ["VMON", 27],
  ["CR_ACCESS", 28],
  ["DR_ACCESS", 29],
  ["IO_INSTRUCTION", 30],
  ["MSR_READ", 31],
  ["MSR_WRITE", 32],
  ["MWAIT_INSTRUCTION", 36],
  ["MONITOR_INSTRUCTION", 39],
  ["PAUSE_INSTRUCTION", 40],
  ["MCE_DURING_VMENTRY", 41],
  ["TPR_BELOW_THRESHOLD", 43],
  ["APIC_ACCESS", 44],
  ["EOI_INDUCED", 45],
  ["EPT_VIOLATION", 48],
  ["EPT_MISCONFIG", 49],
  ["INVEPT", 50],
  ["PREEMPTION_TIMER", 52],
  ["WBINVD", 54],
  ["XSETBV", 55],
  ["APIC_WRITE", 56],
  ["INVPCID", 58],
  ["PML_FULL", 62],
  ["XSAVES", 63],
  ["XRSTORS", 64],
];

const SVM_NAMES =
  "READ_CR0 0 READ_CR3 3 READ_CR4 4 READ_CR8 8 WRITE_CR0 10 WRITE_CR3 13 WRITE_CR4 14 WRITE_CR8 18 " +
  "READ_DR0 20 READ_DR1 21 READ_DR2 22 READ_DR3 23 READ_DR4 24 READ_DR5 25 READ_DR6 26 READ_DR7 27 " +
  "WRITE_DR0 30 WRITE_DR1 31 WRITE_DR2 32 WRITE_DR3 33 WRITE_DR4 34 WRITE_DR5 35 WRITE_DR6 36 " +
  "WRITE_DR7 37 EXCP_DE 40 EXCP_DB 41 EXCP_BP 43 EXCP_OF 44 EXCP_BR 45 EXCP_UD 46 EXCP_NM 47 " +
  "EXCP_DF 48 EXCP_TS 4a EXCP_NP 4b EXCP_SS 4c EXCP_GP 4d EXCP_PF 4e EXCP_MF 50 EXCP_AC 51 " +
  "EXCP_MC 52 EXCP_XF 53 INTR 60 NMI 61 SMI 62 INIT 63 VINTR 64 CR0_SEL_WRITE 65 IDTR_READ 66 " +
  "GDTR_READ 67 LDTR_READ 68 TR_READ 69 IDTR_WRITE 6a GDTR_WRITE 6b LDTR_WRITE 6c TR_WRITE 6d " +
  "RDTSC 6e RDPMC 6f PUSHF 70 POPF 71 CPUID 72 RSM 73 IRET 74 SWINT 75 INVD 76 PAUSE 77 HLT 78 " +
  "INVLPG 79 INVLPGA 7a IOIO 7b MSR 7c TASK_SWITCH 7d FERR_FREEZE 7e SHUTDOWN 7f VMRUN 80 " +
  "VMMCALL 81 VMLOAD 82 VMSAVE 83 STGI 84 CLGI 85 SKINIT 86 RDTSCP 87 ICEBP 88 WBINVD 89 " +
  "MONITOR 8a MWAIT 8b MWAIT_COND 8c XSETBV 8d NPF 400 AVIC_INCOMPLETE_IPI 401 " +
  "AVIC_UNACCELERATED_ACCESS 402";

function svmTable(): [string, number][] {
  const parts = SVM_NAMES.split(" ");
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    out.push([`EXIT_${parts[i]}`, parseInt(parts[i + 1], 16)]);
  }
  out.push(["EXIT_ERR", -1]);
  return out;
}

const TABLES = new Map<number, readonly [string, number][]>([[1, VMX], [2, svmTable()]]);

/**
 * The reason name for `val` (compared as a C `int`) under instruction set
 * `isa` (1 VMX, 2 SVM): `UNKNOWN-ISA` for another set, `undefined` when the
 * table lacks the value.
 */
export function exitReasonName(isa: bigint, val: bigint): string | undefined {
  const table = TABLES.get(Number(BigInt.asUintN(32, isa)));
  if (!table) return "UNKNOWN-ISA";
  const v = Number(BigInt.asIntN(32, val));
  for (const [name, code] of table) if (code === v) return name;
  return undefined;
}
