/**
 * Every vCPU request of the known x86 kernels, as data: one row per request
 * and definition, with the kernel versions whose headers define it that way.
 * `requestTable(version)` is the table of one version.
 *
 * Facts come from include/linux/kvm_host.h and
 * arch/x86/include/asm/kvm_host.h: Debian's linux-source-6.12 (6.12.118) and
 * a linux-6.18.y tree. The `#define` lines of each are kept in
 * `fixtures/kernel/kvm_host_requests-<version>.txt`, and a test checks each
 * version's table against its file. Between 6.12 and 6.18, bit 37
 * (`KVM_ARCH_REQ(29)`) was renamed from KVM_REQ_MSR_FILTER_CHANGED to
 * KVM_REQ_RECALC_INTERCEPTS, and KVM_REQ_UPDATE_PROTECTED_GUEST_STATE gained
 * KVM_REQUEST_WAIT.
 *
 * `wakesHalted` marks the requests that make a halted vCPU runnable by
 * themselves: KVM_REQ_UNBLOCK (kvm_vcpu_check_block(), virt/kvm/kvm_main.c)
 * and, on x86, the ones kvm_vcpu_has_events() tests (arch/x86/kvm/x86.c:
 * KVM_REQ_NMI, KVM_REQ_SMI, KVM_REQ_PMI, KVM_REQ_UPDATE_PROTECTED_GUEST_STATE;
 * the same list in 6.12 and 6.18). Any other request (KVM_REQ_CLOCK_UPDATE,
 * KVM_REQ_EVENT, …) leaves a halted vCPU asleep until something else wakes it:
 * KVM_REQ_EVENT's interrupt wakes it through kvm_cpu_has_interrupt(), not
 * through the request bit.
 *
 * @module
 */

import type { KernelVersion } from "./kernel_version.ts";
import { KERNEL_VERSIONS, NEWEST_KERNEL } from "./kernel_version.ts";
import {
  COMMON_REQUEST_HEADER,
  KVM_REQUEST_ARCH_BASE,
  type RequestDef,
  type RequestFlags,
  RequestTable,
  X86_REQUEST_HEADER,
} from "./request_table.ts";

const W = "WAIT";
const NW = "NO_WAKEUP";
const NA = "NO_ACTION";
type FlagWord = typeof W | typeof NW | typeof NA;

const BOTH: readonly KernelVersion[] = ["6.12", "6.18"];
const V612: readonly KernelVersion[] = ["6.12"];
const V618: readonly KernelVersion[] = ["6.18"];

function flagSet(words: readonly FlagWord[]): RequestFlags {
  return Object.freeze({
    noWakeup: words.includes(NW),
    wait: words.includes(W),
    noAction: words.includes(NA),
  });
}

interface Extra {
  readonly config?: string;
  readonly wakesHalted?: boolean;
  readonly versions?: readonly KernelVersion[];
}

/** A row: `arch` "common" numbers `n` as the bit, "x86" as `KVM_ARCH_REQ(n)`. */
function row(
  arch: "common" | "x86",
  name: string,
  n: number,
  words: readonly FlagWord[],
  meaning: string,
  extra: Extra,
): RequestDef {
  return Object.freeze({
    name,
    nr: arch === "x86" ? KVM_REQUEST_ARCH_BASE + n : n,
    flags: flagSet(words),
    arch,
    archIndex: arch === "x86" ? n : undefined,
    meaning,
    header: arch === "x86" ? X86_REQUEST_HEADER : COMMON_REQUEST_HEADER,
    versions: extra.versions ?? BOTH,
    wakesHalted: extra.wakesHalted ?? false,
    ...(extra.config === undefined ? {} : { config: extra.config }),
  });
}

const common = (
  name: string,
  nr: number,
  words: readonly FlagWord[],
  meaning: string,
  extra: Extra = {},
) => row("common", name, nr, words, meaning, extra);

const x86 = (
  name: string,
  n: number,
  words: readonly FlagWord[],
  meaning: string,
  extra: Extra = {},
) => row("x86", name, n, words, meaning, extra);

/** Every request row of every known version, common ones first, in header order. */
export const REQUEST_ROWS: readonly RequestDef[] = Object.freeze([
  common("KVM_REQ_TLB_FLUSH", 0, [W, NW], "flush all of the guest's TLB entries"),
  common("KVM_REQ_VM_DEAD", 1, [W, NW], "the VM is dead: KVM_RUN fails with -EIO"),
  common("KVM_REQ_UNBLOCK", 2, [], "leave kvm_vcpu_block(): a wake event is pending", {
    wakesHalted: true,
  }),
  common(
    "KVM_REQ_DIRTY_RING_SOFT_FULL",
    3,
    [],
    "the vCPU's dirty ring hit its soft limit: exit to userspace",
  ),
  common(
    "KVM_REQ_OUTSIDE_GUEST_MODE",
    0,
    [NA, W, NW],
    "no bit is logged: only force the vCPU out of guest mode and wait for it",
  ),
  x86("KVM_REQ_MIGRATE_TIMER", 0, [], "move the vCPU's hrtimers to its new pCPU"),
  x86("KVM_REQ_REPORT_TPR_ACCESS", 1, [], "exit to userspace with KVM_EXIT_TPR_ACCESS"),
  x86("KVM_REQ_TRIPLE_FAULT", 2, [], "triple fault: shut down (or nested VM-exit)"),
  x86("KVM_REQ_MMU_SYNC", 3, [], "sync the unsync shadow pages of the current roots"),
  x86("KVM_REQ_CLOCK_UPDATE", 4, [], "recompute this vCPU's kvmclock data"),
  x86("KVM_REQ_LOAD_MMU_PGD", 5, [], "load the MMU root into hardware"),
  x86("KVM_REQ_EVENT", 6, [], "re-evaluate pending interrupts, NMIs, exceptions, INIT/SIPI"),
  x86("KVM_REQ_APF_HALT", 7, [], "async #PF could not be injected: do a synthetic halt"),
  x86("KVM_REQ_STEAL_UPDATE", 8, [], "update the guest's steal-time record"),
  x86("KVM_REQ_NMI", 9, [], "move queued NMIs to pending and inject them", {
    wakesHalted: true,
  }),
  x86("KVM_REQ_PMU", 10, [], "reprogram the vPMU counters"),
  x86("KVM_REQ_PMI", 11, [], "deliver a vPMU overflow interrupt", { wakesHalted: true }),
  x86("KVM_REQ_SMI", 12, [], "process a pending SMI", {
    config: "CONFIG_KVM_SMM",
    wakesHalted: true,
  }),
  x86("KVM_REQ_MASTERCLOCK_UPDATE", 13, [], "update the VM-wide master clock"),
  x86(
    "KVM_REQ_MCLOCK_INPROGRESS",
    14,
    [W, NW],
    "hold vCPUs out of the guest while the master clock changes",
  ),
  x86("KVM_REQ_SCAN_IOAPIC", 15, [W, NW], "rescan I/O APIC routes for the EOI-exit bitmap"),
  x86("KVM_REQ_GLOBAL_CLOCK_UPDATE", 16, [], "request a kvmclock update of every vCPU"),
  x86("KVM_REQ_APIC_PAGE_RELOAD", 17, [W, NW], "reload the APIC-access page address"),
  x86("KVM_REQ_HV_CRASH", 18, [], "exit to userspace with a Hyper-V crash event"),
  x86("KVM_REQ_IOAPIC_EOI_EXIT", 19, [], "exit to the userspace I/O APIC to forward an EOI"),
  x86("KVM_REQ_HV_RESET", 20, [], "exit to userspace with a Hyper-V reset event"),
  x86("KVM_REQ_HV_EXIT", 21, [], "exit to userspace with KVM_EXIT_HYPERV"),
  x86("KVM_REQ_HV_STIMER", 22, [], "process expired Hyper-V synthetic timers"),
  x86("KVM_REQ_LOAD_EOI_EXITMAP", 23, [], "load the EOI-exit bitmap into hardware"),
  x86("KVM_REQ_GET_NESTED_STATE_PAGES", 24, [], "map the nested guest's state pages"),
  x86("KVM_REQ_APICV_UPDATE", 25, [W, NW], "APICv/AVIC inhibits changed: refresh APICv"),
  x86("KVM_REQ_TLB_FLUSH_CURRENT", 26, [], "flush the TLB of the current MMU context"),
  x86("KVM_REQ_TLB_FLUSH_GUEST", 27, [W, NW], "flush the guest's TLB on its behalf"),
  x86("KVM_REQ_APF_READY", 28, [], "async #PF completed: inject 'page ready'"),
  x86("KVM_REQ_MSR_FILTER_CHANGED", 29, [], "the MSR filter changed: recompute MSR intercepts", {
    versions: V612,
  }),
  x86(
    "KVM_REQ_RECALC_INTERCEPTS",
    29,
    [],
    "recompute intercepts, e.g. after an MSR filter change",
    { versions: V618 },
  ),
  x86(
    "KVM_REQ_UPDATE_CPU_DIRTY_LOGGING",
    30,
    [W, NW],
    "toggle hardware dirty logging (PML)",
  ),
  x86(
    "KVM_REQ_MMU_FREE_OBSOLETE_ROOTS",
    31,
    [W, NW],
    "free MMU roots made obsolete by a fast zap",
  ),
  x86("KVM_REQ_HV_TLB_FLUSH", 32, [W, NW], "process the Hyper-V PV TLB flush FIFO"),
  x86(
    "KVM_REQ_UPDATE_PROTECTED_GUEST_STATE",
    34,
    [],
    "SEV-SNP AP create/destroy: reset to the new protected state",
    { versions: V612, wakesHalted: true },
  ),
  x86(
    "KVM_REQ_UPDATE_PROTECTED_GUEST_STATE",
    34,
    [W],
    "SEV-SNP AP create/destroy: reset to the new protected state",
    { versions: V618, wakesHalted: true },
  ),
]);

const TABLES = new Map<KernelVersion, RequestTable>(
  KERNEL_VERSIONS.map((
    v,
  ) => [v, new RequestTable(v, REQUEST_ROWS.filter((d) => d.versions.includes(v)))]),
);

/** The request table of kernel `version` (x86). */
export function requestTable(version: KernelVersion): RequestTable {
  return TABLES.get(version)!;
}

/** The table of the newest known version, for callers that know no kernel. */
export const NEWEST_REQUESTS: RequestTable = requestTable(NEWEST_KERNEL);
