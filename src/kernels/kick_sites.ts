/**
 * Known x86 kick call sites: the functions that call kvm_vcpu_kick(),
 * kvm_vcpu_wake_up() or a kvm_make_*_request() fan-out, what they request
 * first, how the seed document classifies the kick, and — for kicks that
 * make no request — whether the kernel means it and why. Stock-kernel traces
 * carry only stacks (`sched_waking` + `stacktrace`) and `%pS` call sites; this
 * table turns the frame below the kick into "what was this kick for". Every
 * row names the kernel versions whose source it was checked against; the
 * per-version view is {@link kickSiteRows}.
 *
 * A row is here only if its function can be the frame just below the kick
 * (or the `_RET_IP_` a reschedule IPI records): static inline helpers
 * (kvm_vm_dead, kvm_vcpu_trigger_posted_interrupt,
 * __vmx_deliver_posted_interrupt) are never frames, and a function that
 * reaches the kick through an out-of-line function of another file
 * (pit_do_work, kvm_pv_kick_cpu_op and synic_set_irq through
 * kvm_irq_delivery_to_apic(), avic_kick_vcpu through
 * svm_complete_interrupt_delivery()) never is either. Rows with `via` are
 * callers that inline a static helper of the same file, so the frame shows
 * them instead of the helper.
 *
 * Sources: 6.12 rows were read in Debian's linux-source-6.12 (6.12.118);
 * 6.18 rows in linux-6.18.y (virt/kvm/kvm_main.c, arch/x86/kvm/x86.c,
 * lapic.c, svm/svm.c) or, for vmx/posted_intr.c, vmx/tdx.c, mmu/spte.c and
 * xen.c's cancel_evtchn_poll, in the 6.16–6.18 patches that touched the
 * function. A row read only in 6.12 still serves a 6.18 trace, and findings
 * that rest on it say so ({@link kickSiteRow}).
 *
 * @module
 */

import type { KernelVersion } from "./kernel_version.ts";

/** The seed document's classes of kick. */
export type KickKind = "request" | "request-less" | "posted-interrupt" | "wake-only";

/** Whether a kick that makes no request is meant, and why. */
export interface KickPolicy {
  /** `intentional`: harmless by design (info); `unsafe`: a known bug pattern (error). */
  readonly verdict: "intentional" | "unsafe";
  /** Why, in the kernel's own terms, with the function that makes it so. */
  readonly reason: string;
}

/** One known kick call site. */
export interface KickSite {
  /** Function name as it appears in stacks and `%pS`. */
  readonly fn: string;
  /** Kernel-relative source file. */
  readonly file: string;
  /** Kernel versions whose source was read for this row. */
  readonly versions: readonly KernelVersion[];
  /** The request made before the kick; `null` when none (or when the caller supplies it). */
  readonly requestFirst: string | null;
  /** Seed-document class of the kick. */
  readonly kind: KickKind;
  /**
   * What the source calls to kick, as written (`kvm_vcpu_kick` also stands
   * for the kvm_make_request_and_kick() of 6.18; the frame a stack shows for
   * it depends on the version, see kick_shapes.ts).
   */
  readonly calls: readonly string[];
  /** False when it reaches the kick through a static helper it inlines (see `via`). */
  readonly direct: boolean;
  /** For indirect rows: the chain to the kick. */
  readonly via?: string;
  /** True for fan-outs whose request is their caller's argument. */
  readonly requestFromCaller?: boolean;
  /** Other requests some paths of the function make before the same kick. */
  readonly otherRequests?: readonly string[];
  /**
   * For posted-interrupt rows: the request made when the posted path is not
   * available and the function falls back to a plain kvm_vcpu_kick().
   */
  readonly fallbackRequest?: string;
  /** For request-less, posted-interrupt and wake-only rows: meant or not, and why. */
  readonly policy?: KickPolicy;
  /** What the code does, in short. */
  readonly note: string;
}

const BOTH: readonly KernelVersion[] = ["6.12", "6.18"];
const V612: readonly KernelVersion[] = ["6.12"];
const V618: readonly KernelVersion[] = ["6.18"];
const KICK = "kvm_vcpu_kick";
const WAKE = "kvm_vcpu_wake_up";
const ALL_CPUS = "kvm_make_all_cpus_request";
const MASK = "kvm_make_vcpus_request_mask";

type Row = Omit<KickSite, "direct" | "versions"> & {
  readonly direct?: boolean;
  readonly versions?: readonly KernelVersion[];
};

function site(row: Row): KickSite {
  return Object.freeze({ ...row, direct: row.direct ?? true, versions: row.versions ?? BOTH });
}

const POSTED_POLICY: KickPolicy = {
  verdict: "intentional",
  reason: "the seed's named exception: PID.ON is set before vcpu->mode is read and the vCPU " +
    "syncs PIR to IRR after writing IN_GUEST_MODE, so ON plays the request bit's role",
};

/** Fan-out rows: the request is the caller's argument. */
const FAN_OUTS: readonly KickSite[] = [
  site({
    fn: "kvm_make_vcpu_request",
    file: "virt/kvm/kvm_main.c",
    requestFirst: null,
    requestFromCaller: true,
    kind: "request",
    calls: [WAKE],
    note: "static helper of the fan-outs: sets the bit unless NO_ACTION, wakes the vCPU " +
      "unless NO_WAKEUP, else adds its CPU to the IPI mask when kvm_request_needs_ipi() " +
      "(IN_GUEST_MODE, or not OUTSIDE_GUEST_MODE for WAIT requests)",
  }),
  site({
    fn: MASK,
    file: "virt/kvm/kvm_main.c",
    requestFirst: null,
    requestFromCaller: true,
    kind: "request",
    calls: [WAKE, "smp_call_function_many"],
    note: "kvm_make_vcpu_request() for each vCPU of a bitmap of vCPU indices " +
      "(kvm_get_vcpu(kvm, i)), then one smp_call_function_many(ack_kick), waiting iff the " +
      "request has WAIT",
  }),
  site({
    fn: ALL_CPUS,
    file: "virt/kvm/kvm_main.c",
    requestFirst: null,
    requestFromCaller: true,
    kind: "request",
    calls: [WAKE, "smp_call_function_many"],
    note: "kvm_make_vcpu_request() for every vCPU, then one smp_call_function_many(ack_kick) " +
      "to the collected CPUs, waiting iff the request has WAIT",
  }),
];

/** Common-code callers. */
const COMMON: readonly KickSite[] = [
  site({
    fn: "kvm_flush_remote_tlbs",
    file: "virt/kvm/kvm_main.c",
    requestFirst: "KVM_REQ_TLB_FLUSH",
    kind: "request",
    calls: [ALL_CPUS],
    note: "KVM_REQ_TLB_FLUSH to all vCPUs unless kvm_arch_flush_remote_tlbs() did the flush " +
      "(on x86 only with Hyper-V enlightened flushing)",
  }),
  site({
    fn: "async_pf_execute",
    file: "virt/kvm/async_pf.c",
    versions: V612,
    requestFirst: null,
    kind: "wake-only",
    calls: ["rcuwait_wake_up"],
    policy: {
      verdict: "intentional",
      reason: "the wake condition is the work queued on vcpu->async_pf.done before the " +
        "wakeup, which kvm_vcpu_has_events() checks",
    },
    note: "after faulting the page in, queues the work on async_pf.done and always wakes the " +
      "vCPU with __kvm_vcpu_wake_up(), an inline rcuwait_wake_up()",
  }),
];

/** arch/x86/kvm/x86.c. */
const X86: readonly KickSite[] = [
  site({
    fn: "kvm_arch_memslots_updated",
    file: "arch/x86/kvm/x86.c",
    requestFirst: null,
    kind: "request-less",
    calls: [KICK],
    policy: {
      verdict: "intentional",
      reason: "the steal-time cache it kicks for is re-checked against the memslots " +
        "generation on every use (record_steal_time()), so a kick that does nothing costs nothing",
    },
    note: "after kvm_mmu_invalidate_mmio_sptes(), kvm_vcpu_kick() on every vCPU with no request; " +
      "seen on every memslot change of a real 6.18 boot (traces/)",
  }),
  site({
    fn: "kvm_arch_sync_dirty_log",
    file: "arch/x86/kvm/x86.c",
    requestFirst: null,
    kind: "request-less",
    calls: [KICK],
    policy: {
      verdict: "intentional",
      reason: "it only needs running vCPUs to VM-exit and flush their PML buffer; KVM flushes " +
        "it on every VM-exit, so a vCPU found outside guest mode has nothing to flush",
    },
    note: "returns early without PML (6.12: kvm_x86_ops.cpu_dirty_log_size, 6.18: " +
      "kvm->arch.cpu_dirty_log_size), else kvm_vcpu_kick() on every vCPU",
  }),
  site({
    fn: "kvmclock_update_fn",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_CLOCK_UPDATE",
    kind: "request",
    calls: [KICK],
    note: "the delayed work kvm_gen_kvmclock_update() schedules (KVMCLOCK_UPDATE_DELAY): for " +
      "each vCPU, kvm_make_request(KVM_REQ_CLOCK_UPDATE) then kvm_vcpu_kick(); " +
      "kvm_gen_kvmclock_update() itself only makes the request of its own vCPU and schedules it",
  }),
  site({
    fn: "kvm_arch_async_page_present_queued",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_APF_READY",
    kind: "request",
    calls: [KICK],
    note: "KVM_REQ_APF_READY, then kvm_vcpu_kick() only when no 'page ready' is pending in the " +
      "guest (apf.pageready_pending)",
  }),
  site({
    fn: "kvm_make_mclock_inprogress_request",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_MCLOCK_INPROGRESS",
    kind: "request",
    calls: [ALL_CPUS],
    note: "static: KVM_REQ_MCLOCK_INPROGRESS (WAIT|NO_WAKEUP) to all vCPUs to keep them out of " +
      "the guest while the master clock changes",
  }),
  site({
    fn: "kvm_start_pvclock_update",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_MCLOCK_INPROGRESS",
    kind: "request",
    calls: [ALL_CPUS],
    direct: false,
    via: "kvm_make_mclock_inprogress_request",
    note: "masterclock update (kvm_update_masterclock, KVM_SET_CLOCK); the frame when the static " +
      "kvm_make_mclock_inprogress_request() is inlined",
  }),
  site({
    fn: "kvm_hyperv_tsc_notifier",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_MCLOCK_INPROGRESS",
    kind: "request",
    calls: [ALL_CPUS],
    direct: false,
    via: "kvm_make_mclock_inprogress_request",
    note: "host running on Hyper-V changed TSC frequency: every VM gets " +
      "KVM_REQ_MCLOCK_INPROGRESS before the pvclock copies are redone",
  }),
  site({
    fn: "kvm_make_scan_ioapic_request",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_SCAN_IOAPIC",
    kind: "request",
    calls: [ALL_CPUS],
    note: "KVM_REQ_SCAN_IOAPIC (WAIT|NO_WAKEUP) to all vCPUs",
  }),
  site({
    fn: "kvm_make_scan_ioapic_request_mask",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_SCAN_IOAPIC",
    kind: "request",
    calls: [MASK],
    note: "KVM_REQ_SCAN_IOAPIC to the vCPUs of a bitmap (I/O APIC redirection changes)",
  }),
  site({
    fn: "__kvm_set_or_clear_apicv_inhibit",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_APICV_UPDATE",
    kind: "request",
    calls: [ALL_CPUS],
    note: "when APICv flips between inhibited and not: KVM_REQ_APICV_UPDATE (WAIT|NO_WAKEUP) to " +
      "all vCPUs, waiting for the acks, before storing the new inhibit reasons",
  }),
  site({
    fn: "kvm_mmu_update_cpu_dirty_logging",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_UPDATE_CPU_DIRTY_LOGGING",
    kind: "request",
    calls: [ALL_CPUS],
    note: "static: first memslot enables / last one disables dirty logging: " +
      "KVM_REQ_UPDATE_CPU_DIRTY_LOGGING to all vCPUs (PML on/off)",
  }),
  site({
    fn: "kvm_vm_ioctl_set_msr_filter",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_MSR_FILTER_CHANGED",
    kind: "request",
    calls: [ALL_CPUS],
    versions: V612,
    note: "KVM_X86_SET_MSR_FILTER: KVM_REQ_MSR_FILTER_CHANGED to all vCPUs after swapping the " +
      "filter",
  }),
  site({
    fn: "kvm_vm_ioctl_set_msr_filter",
    file: "arch/x86/kvm/x86.c",
    requestFirst: "KVM_REQ_RECALC_INTERCEPTS",
    kind: "request",
    calls: [ALL_CPUS],
    versions: V618,
    note:
      "KVM_X86_SET_MSR_FILTER: KVM_REQ_RECALC_INTERCEPTS (the same bit, renamed) to all vCPUs " +
      "after swapping the filter",
  }),
];

/** arch/x86/kvm/lapic.c, i8259.c. */
const IRQCHIP: readonly KickSite[] = [
  site({
    fn: "__apic_accept_irq",
    file: "arch/x86/kvm/lapic.c",
    requestFirst: "KVM_REQ_EVENT",
    otherRequests: ["KVM_REQ_NMI", "KVM_REQ_SMI"],
    kind: "request",
    calls: [KICK],
    note: "REMRD, INIT and SIPI: KVM_REQ_EVENT then kvm_vcpu_kick(); NMI: kvm_inject_nmi() " +
      "(KVM_REQ_NMI) then kick; SMI: kvm_inject_smi() (KVM_REQ_SMI) then kick; FIXED/LOWEST " +
      "are handed to ->deliver_interrupt (vmx_deliver_interrupt / svm_deliver_interrupt)",
  }),
  site({
    fn: "kvm_apic_set_irq",
    file: "arch/x86/kvm/lapic.c",
    requestFirst: "KVM_REQ_EVENT",
    otherRequests: ["KVM_REQ_NMI", "KVM_REQ_SMI"],
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "__apic_accept_irq",
    note: "wrapper of the static __apic_accept_irq(); the frame when that is inlined",
  }),
  site({
    fn: "kvm_apic_local_deliver",
    file: "arch/x86/kvm/lapic.c",
    requestFirst: "KVM_REQ_EVENT",
    otherRequests: ["KVM_REQ_NMI"],
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "__apic_accept_irq",
    note: "LVT delivery (timer, LINT0 NMI watchdog, PMI) through __apic_accept_irq(); the frame " +
      "when that is inlined",
  }),
  site({
    fn: "apic_timer_expired",
    file: "arch/x86/kvm/lapic.c",
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    note:
      "software LAPIC timer: lapic_timer.pending++, KVM_REQ_UNBLOCK, and kvm_vcpu_kick() only " +
      "from the hrtimer callback; APICv on the vCPU itself or posted timer interrupts inject " +
      "directly instead",
  }),
  site({
    fn: "apic_timer_fn",
    file: "arch/x86/kvm/lapic.c",
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "apic_timer_expired",
    note: "LAPIC hrtimer callback; the frame when the static apic_timer_expired() is inlined",
  }),
  site({
    fn: "pic_unlock",
    file: "arch/x86/kvm/i8259.c",
    versions: V612,
    requestFirst: "KVM_REQ_EVENT",
    kind: "request",
    calls: [KICK],
    note: "when the PIC output rose (wakeup_needed): KVM_REQ_EVENT and kvm_vcpu_kick() to the " +
      "first vCPU whose LAPIC accepts PIC interrupts",
  }),
];

/** Xen, Hyper-V, PMU, MMU, nested VMX, SEV, TDX. */
const FEATURES: readonly KickSite[] = [
  site({
    fn: "xen_timer_callback",
    file: "arch/x86/kvm/xen.c",
    versions: V612,
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    note: "Xen timer hrtimer: if the fast event-channel delivery would block, " +
      "timer_pending++, KVM_REQ_UNBLOCK and kvm_vcpu_kick()",
  }),
  site({
    fn: "kvm_xen_set_evtchn_fast",
    file: "arch/x86/kvm/xen.c",
    versions: V612,
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    note: "event channel raised and evtchn_pending_sel newly set: KVM_REQ_UNBLOCK and " +
      "kvm_vcpu_kick(), unless an upcall vector is set (then kvm_xen_inject_vcpu_vector())",
  }),
  site({
    fn: "kvm_xen_check_poller",
    file: "arch/x86/kvm/xen.c",
    versions: V612,
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    note: "a vCPU blocked in SCHEDOP_poll on this port: clears its poll bit, KVM_REQ_UNBLOCK, kick",
  }),
  site({
    fn: "cancel_evtchn_poll",
    file: "arch/x86/kvm/xen.c",
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    note: "SCHEDOP_poll timeout timer: KVM_REQ_UNBLOCK then kvm_vcpu_kick() (6.18: unchanged by " +
      "the 6.16 from_timer() -> timer_container_of() rename)",
  }),
  site({
    fn: "kvm_xen_shared_info_init",
    file: "arch/x86/kvm/xen.c",
    versions: V612,
    requestFirst: "KVM_REQ_MASTERCLOCK_UPDATE",
    kind: "request",
    calls: [ALL_CPUS],
    note: "after writing the Xen wallclock into the shared info page: KVM_REQ_MASTERCLOCK_UPDATE " +
      "to all vCPUs",
  }),
  site({
    fn: "kvm_xen_hvm_config",
    file: "arch/x86/kvm/xen.c",
    versions: V612,
    requestFirst: "KVM_REQ_CLOCK_UPDATE",
    kind: "request",
    calls: [ALL_CPUS],
    note: "KVM_XEN_HVM_CONFIG toggling KVM_XEN_HVM_CONFIG_PVCLOCK_TSC_UNSTABLE: " +
      "KVM_REQ_CLOCK_UPDATE to all vCPUs",
  }),
  site({
    fn: "stimer_mark_pending",
    file: "arch/x86/kvm/hyperv.c",
    versions: V612,
    requestFirst: "KVM_REQ_HV_STIMER",
    kind: "request",
    calls: [KICK],
    note: "Hyper-V synthetic timer: sets its bit in stimer_pending_bitmap, KVM_REQ_HV_STIMER, " +
      "and kvm_vcpu_kick() when asked to (from the hrtimer callback)",
  }),
  site({
    fn: "stimer_timer_callback",
    file: "arch/x86/kvm/hyperv.c",
    versions: V612,
    requestFirst: "KVM_REQ_HV_STIMER",
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "stimer_mark_pending(stimer, true)",
    note: "Hyper-V stimer hrtimer; the frame when the static stimer_mark_pending() is inlined",
  }),
  site({
    fn: "kvm_hv_flush_tlb",
    file: "arch/x86/kvm/hyperv.c",
    versions: V612,
    requestFirst: "KVM_REQ_HV_TLB_FLUSH",
    kind: "request",
    calls: [MASK, ALL_CPUS],
    note: "HvFlushVirtualAddress* hypercalls: queue the ranges, then KVM_REQ_HV_TLB_FLUSH " +
      "(WAIT|NO_WAKEUP) to the target vCPUs",
  }),
  site({
    fn: "kvm_vm_ioctl_set_pmu_event_filter",
    file: "arch/x86/kvm/pmu.c",
    versions: V612,
    requestFirst: "KVM_REQ_PMU",
    kind: "request",
    calls: [ALL_CPUS],
    note: "new PMU event filter: marks every counter for reprogramming and sends KVM_REQ_PMU to " +
      "all vCPUs",
  }),
  site({
    fn: "kvm_unmap_gfn_range",
    file: "arch/x86/kvm/mmu/mmu.c",
    versions: V612,
    requestFirst: "KVM_REQ_APIC_PAGE_RELOAD",
    kind: "request",
    calls: [ALL_CPUS],
    note: "an MMU-notifier unmap of the APIC-access page's private memslot: " +
      "KVM_REQ_APIC_PAGE_RELOAD (WAIT|NO_WAKEUP) to all vCPUs",
  }),
  site({
    fn: "__kvm_mmu_zap_all_fast_front_half",
    file: "arch/x86/kvm/mmu/mmu.c",
    requestFirst: "KVM_REQ_MMU_FREE_OBSOLETE_ROOTS",
    kind: "request",
    calls: [ALL_CPUS],
    versions: V612,
    note: "fast zap (memslot deletion, MMIO generation wrap): flips mmu_valid_gen and sends " +
      "KVM_REQ_MMU_FREE_OBSOLETE_ROOTS to all vCPUs under mmu_lock",
  }),
  site({
    fn: "kvm_mmu_zap_all_fast",
    file: "arch/x86/kvm/mmu/mmu.c",
    requestFirst: "KVM_REQ_MMU_FREE_OBSOLETE_ROOTS",
    kind: "request",
    calls: [ALL_CPUS],
    direct: false,
    via: "__kvm_mmu_zap_all_fast_front_half",
    versions: V612,
    note: "the frame when the static __kvm_mmu_zap_all_fast_front_half() is inlined",
  }),
  site({
    fn: "__kvm_mmu_prepare_zap_page",
    file: "arch/x86/kvm/mmu/mmu.c",
    requestFirst: "KVM_REQ_MMU_FREE_OBSOLETE_ROOTS",
    kind: "request",
    calls: [ALL_CPUS],
    versions: V612,
    note:
      "zapping a shadow root that is still in use: KVM_REQ_MMU_FREE_OBSOLETE_ROOTS to all vCPUs",
  }),
  site({
    fn: "kvm_track_host_mmio_mapping",
    file: "arch/x86/kvm/mmu/spte.c",
    requestFirst: "KVM_REQ_OUTSIDE_GUEST_MODE",
    kind: "request",
    calls: [ALL_CPUS],
    versions: V618,
    note: "static: a host MMIO pfn mapped while MMIO stale-data clearing is on: marks the root " +
      "and forces every vCPU out of guest mode with KVM_REQ_OUTSIDE_GUEST_MODE (NO_ACTION, WAIT)",
  }),
  site({
    fn: "make_spte",
    file: "arch/x86/kvm/mmu/spte.c",
    requestFirst: "KVM_REQ_OUTSIDE_GUEST_MODE",
    kind: "request",
    calls: [ALL_CPUS],
    direct: false,
    via: "kvm_track_host_mmio_mapping",
    versions: V618,
    note: "the frame when its only caller inlines the static kvm_track_host_mmio_mapping()",
  }),
  site({
    fn: "vmx_preemption_timer_fn",
    file: "arch/x86/kvm/vmx/nested.c",
    versions: V612,
    requestFirst: "KVM_REQ_EVENT",
    kind: "request",
    calls: [KICK],
    note: "L2's emulated VMX preemption timer hrtimer: preemption_timer_expired, KVM_REQ_EVENT, " +
      "kvm_vcpu_kick()",
  }),
  site({
    fn: "sev_snp_ap_creation",
    file: "arch/x86/kvm/svm/sev.c",
    versions: V612,
    requestFirst: "KVM_REQ_UPDATE_PROTECTED_GUEST_STATE",
    kind: "request",
    calls: [KICK],
    note: "SEV-SNP AP create/destroy: 6.12 kvm_make_request() then kvm_vcpu_kick(); 6.18 " +
      "kvm_make_request_and_kick(), i.e. __kvm_vcpu_kick(wait = true) because the request has " +
      "WAIT there (IPI with ack_kick, waited for)",
  }),
  site({
    fn: "tdx_no_vcpus_enter_start",
    file: "arch/x86/kvm/vmx/tdx.c",
    requestFirst: "KVM_REQ_OUTSIDE_GUEST_MODE",
    kind: "request",
    calls: [ALL_CPUS],
    versions: V618,
    note: "static: sets wait_for_sept_zap and forces every vCPU out of guest mode " +
      "(KVM_REQ_OUTSIDE_GUEST_MODE) before retrying an S-EPT SEAMCALL",
  }),
  site({
    fn: "tdx_track",
    file: "arch/x86/kvm/vmx/tdx.c",
    requestFirst: "KVM_REQ_OUTSIDE_GUEST_MODE",
    kind: "request",
    calls: [ALL_CPUS],
    versions: V618,
    note: "static: after TDH.MEM.TRACK, KVM_REQ_OUTSIDE_GUEST_MODE to all vCPUs (NO_ACTION: no " +
      "bit is logged; WAIT: the caller waits until every vCPU has left guest mode)",
  }),
  site({
    fn: "vmx_pi_start_assignment",
    file: "arch/x86/kvm/vmx/posted_intr.c",
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [ALL_CPUS],
    versions: V612,
    note: "first assigned device: KVM_REQ_UNBLOCK to all vCPUs, so blocked ones reconfigure " +
      "PI.NV to the wakeup vector",
  }),
  site({
    fn: "vmx_pi_start_bypass",
    file: "arch/x86/kvm/vmx/posted_intr.c",
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [ALL_CPUS],
    versions: V618,
    note: "vmx_pi_start_assignment() renamed: first possible bypass IRQ, KVM_REQ_UNBLOCK to all " +
      "vCPUs",
  }),
];

/** Posted-interrupt delivery: the seed document's exception. */
const POSTED: readonly KickSite[] = [
  site({
    fn: "vmx_deliver_interrupt",
    file: "arch/x86/kvm/vmx/vmx.c",
    versions: V612,
    requestFirst: null,
    fallbackRequest: "KVM_REQ_EVENT",
    kind: "posted-interrupt",
    calls: [WAKE, KICK],
    policy: POSTED_POLICY,
    note: "APICv: posts the vector (PIR, then ON) and notifies or wakes via the inline " +
      "kvm_vcpu_trigger_posted_interrupt(); without APICv sets IRR, KVM_REQ_EVENT and " +
      "kvm_vcpu_kick() instead",
  }),
  site({
    fn: "vmx_deliver_posted_interrupt",
    file: "arch/x86/kvm/vmx/vmx.c",
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [WAKE],
    versions: V612,
    policy: POSTED_POLICY,
    note: "static: nested posted interrupt first, else PIR and ON, then the inline " +
      "kvm_vcpu_trigger_posted_interrupt(); returns -1 when APICv is inactive so the caller " +
      "falls back to a request",
  }),
  site({
    fn: "vmx_deliver_nested_posted_interrupt",
    file: "arch/x86/kvm/vmx/vmx.c",
    requestFirst: "KVM_REQ_EVENT",
    kind: "posted-interrupt",
    calls: [WAKE],
    versions: V612,
    policy: POSTED_POLICY,
    note: "L1's posted interrupt for L2: pi_pending, KVM_REQ_EVENT, smp_mb__after_atomic(), then " +
      "kvm_vcpu_trigger_posted_interrupt(POSTED_INTR_NESTED_VECTOR)",
  }),
  site({
    fn: "pi_wakeup_handler",
    file: "arch/x86/kvm/vmx/posted_intr.c",
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [WAKE],
    versions: V612,
    policy: POSTED_POLICY,
    note: "wakeup-vector IRQ: kvm_vcpu_wake_up() for each blocked vCPU on this CPU's list whose " +
      "PID.ON is set (device or IPI-virtualization posted interrupt)",
  }),
  site({
    fn: "svm_complete_interrupt_delivery",
    file: "arch/x86/kvm/svm/svm.c",
    requestFirst: null,
    fallbackRequest: "KVM_REQ_EVENT",
    kind: "posted-interrupt",
    calls: [WAKE, KICK],
    policy: {
      verdict: "intentional",
      reason: "AVIC: IRR is set before vcpu->mode is read; in guest mode the doorbell " +
        "injects, otherwise kvm_vcpu_has_events() finds the IRR entry after the wakeup",
    },
    note: "AVIC: reads vcpu->mode (acquire); in guest -> avic_ring_doorbell(), else " +
      "kvm_vcpu_wake_up(); with AVIC inactive KVM_REQ_EVENT and kvm_vcpu_kick() instead",
  }),
  site({
    fn: "svm_deliver_interrupt",
    file: "arch/x86/kvm/svm/svm.c",
    requestFirst: null,
    fallbackRequest: "KVM_REQ_EVENT",
    kind: "posted-interrupt",
    calls: [WAKE, KICK],
    direct: false,
    via: "svm_complete_interrupt_delivery",
    policy: {
      verdict: "intentional",
      reason: "kvm_lapic_set_irr() and smp_mb__after_atomic() come before the mode is read: " +
        "the vIRR entry plays the request's role",
    },
    note: "sets IRR, smp_mb__after_atomic(), then svm_complete_interrupt_delivery() (same file, " +
      "may be inlined)",
  }),
  site({
    fn: "avic_ga_log_notifier",
    file: "arch/x86/kvm/svm/avic.c",
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [WAKE],
    versions: V612,
    policy: {
      verdict: "intentional",
      reason: "the IOMMU already set the vector in the vAPIC page; the woken vCPU finds it " +
        "through kvm_vcpu_has_events()",
    },
    note: "IOMMU GA log: a device interrupt was posted to a vCPU that is not running; " +
      "kvm_vcpu_wake_up() it",
  }),
];

/** Every row of every known version. */
export const KICK_SITES: readonly KickSite[] = Object.freeze([
  ...FAN_OUTS,
  ...COMMON,
  ...X86,
  ...IRQCHIP,
  ...FEATURES,
  ...POSTED,
]);

const ROWS_BY_VERSION = new Map<KernelVersion, ReadonlyMap<string, KickSite>>();

/**
 * The rows for kernel `version`, by function name: the row read in that
 * version's source, else (for a function whose row was read only in another
 * version) that row — check `versions` before citing it as this version's.
 */
export function kickSiteRows(version: KernelVersion): ReadonlyMap<string, KickSite> {
  let rows = ROWS_BY_VERSION.get(version);
  if (rows === undefined) {
    const map = new Map<string, KickSite>();
    for (const r of KICK_SITES) {
      if (!r.versions.includes(version) && !map.has(r.fn)) map.set(r.fn, r);
    }
    for (const r of KICK_SITES) if (r.versions.includes(version)) map.set(r.fn, r);
    rows = map;
    ROWS_BY_VERSION.set(version, rows);
  }
  return rows;
}

/** The row of function `fn` for kernel `version` (see {@link kickSiteRows}). */
export function kickSiteRow(version: KernelVersion, fn: string): KickSite | undefined {
  return kickSiteRows(version).get(fn);
}
