/**
 * Known x86 kick call sites of a 6.18 kernel: the functions that call
 * kvm_vcpu_kick() / __kvm_vcpu_kick() / kvm_vcpu_wake_up() or a
 * kvm_make_*_request() fan-out, what they request first, and how the seed
 * document classifies the kick. Stock-kernel traces carry only stacks
 * (`sched_waking` + `stacktrace`) and `%pS` call sites; this table turns the
 * frame below the kick into "what was this kick for".
 *
 * Facts were read from linux-6.18.y sources (virt/kvm/kvm_main.c,
 * arch/x86/kvm/x86.c, lapic.c, svm/svm.c) and from excerpts of other 6.x
 * copies for the remaining files; see each row's `versions`.
 *
 * Stack facts worth knowing: kvm_vcpu_kick() and kvm_make_request_and_kick()
 * are `static inline` wrappers of __kvm_vcpu_kick(), so stacks show
 * `__kvm_vcpu_kick`; __kvm_vcpu_wake_up() is an inline rcuwait_wake_up(), so
 * code that calls it directly shows `rcuwait_wake_up` with no KVM frame in
 * between; static helpers may be inlined into their callers.
 *
 * @module
 */

/** The seed document's classes of kick. */
export type KickKind = "request" | "request-less" | "posted-interrupt" | "wake-only";

/** One known kick call site. */
export interface KickSite {
  /** Function name as it appears in stacks and `%pS`. */
  readonly fn: string;
  /** Kernel-relative source file. */
  readonly file: string;
  /**
   * Kernel releases whose source was read for this row: `6.18`, or `6.x` when
   * the row was checked against a 6.x copy whose exact release is unknown.
   */
  readonly versions: readonly string[];
  /** The request made before the kick; `null` when none (or when the caller supplies it). */
  readonly requestFirst: string | null;
  /** Seed-document class of the kick. */
  readonly kind: KickKind;
  /** Kick or fan-out functions it calls, as stacks show them (inline wrappers resolved). */
  readonly calls: readonly string[];
  /** False when it reaches the kick through another listed function (see `via`). */
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
  /** What the code does, in short. */
  readonly note: string;
}

const V618 = ["6.18"] as const;
const V6X = ["6.x"] as const;
const KICK = "__kvm_vcpu_kick";
const WAKE = "kvm_vcpu_wake_up";
const ALL_CPUS = "kvm_make_all_cpus_request";
const MASK = "kvm_make_vcpus_request_mask";

type Row = Omit<KickSite, "direct"> & { readonly direct?: boolean };

function site(row: Row): KickSite {
  return Object.freeze({ ...row, direct: row.direct ?? true });
}

/** Fan-out rows: the request is the caller's argument. */
const FAN_OUTS: readonly KickSite[] = [
  site({
    fn: "kvm_make_vcpu_request",
    file: "virt/kvm/kvm_main.c",
    versions: V618,
    requestFirst: null,
    requestFromCaller: true,
    kind: "request",
    calls: [WAKE],
    note: "static helper of the fan-outs: sets the bit unless NO_ACTION, wakes the vCPU " +
      "unless NO_WAKEUP, else adds its CPU to the IPI mask when kvm_request_needs_ipi() " +
      "(IN_GUEST_MODE, or not OUTSIDE_GUEST_MODE for WAIT requests)",
  }),
  site({
    fn: "kvm_make_vcpus_request_mask",
    file: "virt/kvm/kvm_main.c",
    versions: V618,
    requestFirst: null,
    requestFromCaller: true,
    kind: "request",
    calls: [WAKE, "smp_call_function_many"],
    note: "kvm_make_vcpu_request() for each vCPU in a bitmap, then one " +
      "smp_call_function_many(ack_kick), waiting iff the request has WAIT",
  }),
  site({
    fn: ALL_CPUS,
    file: "virt/kvm/kvm_main.c",
    versions: V618,
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
    versions: V618,
    requestFirst: "KVM_REQ_TLB_FLUSH",
    kind: "request",
    calls: [ALL_CPUS],
    note: "KVM_REQ_TLB_FLUSH to all vCPUs unless kvm_arch_flush_remote_tlbs() did the flush " +
      "(on x86 only with Hyper-V enlightened flushing)",
  }),
  site({
    fn: "kvm_vm_dead",
    file: "include/linux/kvm_host.h",
    versions: V6X,
    requestFirst: "KVM_REQ_VM_DEAD",
    kind: "request",
    calls: [ALL_CPUS],
    note: "static inline: marks the VM dead and sends KVM_REQ_VM_DEAD to all vCPUs; stacks " +
      "usually show its caller (kvm_vm_bugged, KVM_BUG_ON users)",
  }),
  site({
    fn: "async_pf_execute",
    file: "virt/kvm/async_pf.c",
    versions: V6X,
    requestFirst: null,
    kind: "wake-only",
    calls: ["rcuwait_wake_up"],
    note: "after faulting the page in, queues the work on async_pf.done (x86's " +
      "kvm_arch_async_page_present_queued() makes KVM_REQ_APF_READY for the first one) and " +
      "always wakes the vCPU with __kvm_vcpu_wake_up(); the wake condition is the non-empty " +
      "done list, which kvm_vcpu_has_events() checks",
  }),
];

/** arch/x86/kvm/x86.c. */
const X86: readonly KickSite[] = [
  site({
    fn: "kvm_arch_memslots_updated",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: null,
    kind: "request-less",
    calls: [KICK],
    note: "after kvm_mmu_invalidate_mmio_sptes(), kvm_vcpu_kick() on every vCPU with no request, " +
      "'to force re-initialization of the steal_time cache' (record_steal_time() revalidates " +
      "its gfn_to_hva cache against the memslots generation); request-less, seen on a 6.18 host",
  }),
  site({
    fn: "kvmclock_update_fn",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_CLOCK_UPDATE",
    kind: "request",
    calls: [KICK],
    note:
      "the delayed work kvm_gen_kvmclock_update() schedules (KVMCLOCK_UPDATE_DELAY): for each " +
      "vCPU, kvm_make_request(KVM_REQ_CLOCK_UPDATE) then kvm_vcpu_kick(); seen in real 6.18 traces " +
      "as sched_waking from a kworker",
  }),
  site({
    fn: "kvm_gen_kvmclock_update",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_CLOCK_UPDATE",
    kind: "request",
    calls: [KICK],
    note: "handles KVM_REQ_GLOBAL_CLOCK_UPDATE on a vCPU thread: KVM_REQ_CLOCK_UPDATE then " +
      "kvm_vcpu_kick() for every vCPU of the VM, itself included",
  }),
  site({
    fn: "kvm_arch_async_page_present_queued",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_APF_READY",
    kind: "request",
    calls: [KICK],
    note: "KVM_REQ_APF_READY, smp_mb__after_atomic(), then kvm_vcpu_kick() only when no " +
      "'page ready' is pending in the guest (apf.pageready_pending)",
  }),
  site({
    fn: "kvm_make_mclock_inprogress_request",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_MCLOCK_INPROGRESS",
    kind: "request",
    calls: [ALL_CPUS],
    note: "static: KVM_REQ_MCLOCK_INPROGRESS (WAIT|NO_WAKEUP) to all vCPUs to keep them out of " +
      "the guest while the master clock changes; likely inlined into its callers",
  }),
  site({
    fn: "kvm_start_pvclock_update",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_MCLOCK_INPROGRESS",
    kind: "request",
    calls: [ALL_CPUS],
    direct: false,
    via: "kvm_make_mclock_inprogress_request",
    note: "masterclock update (kvm_update_masterclock, KVM_SET_CLOCK): blocks guest entry " +
      "via KVM_REQ_MCLOCK_INPROGRESS, later cleared by kvm_end_pvclock_update()",
  }),
  site({
    fn: "kvm_hyperv_tsc_notifier",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
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
    versions: V618,
    requestFirst: "KVM_REQ_SCAN_IOAPIC",
    kind: "request",
    calls: [ALL_CPUS],
    note: "KVM_REQ_SCAN_IOAPIC (WAIT|NO_WAKEUP) to all vCPUs",
  }),
  site({
    fn: "kvm_make_scan_ioapic_request_mask",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_SCAN_IOAPIC",
    kind: "request",
    calls: [MASK],
    note: "KVM_REQ_SCAN_IOAPIC to the vCPUs of a bitmap (I/O APIC redirection changes)",
  }),
  site({
    fn: "__kvm_set_or_clear_apicv_inhibit",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_APICV_UPDATE",
    kind: "request",
    calls: [ALL_CPUS],
    note: "when APICv flips between inhibited and not: KVM_REQ_APICV_UPDATE (WAIT|NO_WAKEUP) to " +
      "all vCPUs, waiting for the acks, before storing the new inhibit reasons",
  }),
  site({
    fn: "kvm_mmu_update_cpu_dirty_logging",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_UPDATE_CPU_DIRTY_LOGGING",
    kind: "request",
    calls: [ALL_CPUS],
    note: "static: first memslot enables / last one disables dirty logging: " +
      "KVM_REQ_UPDATE_CPU_DIRTY_LOGGING to all vCPUs (PML on/off)",
  }),
  site({
    fn: "kvm_vm_ioctl_set_msr_filter",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_RECALC_INTERCEPTS",
    kind: "request",
    calls: [ALL_CPUS],
    note: "KVM_X86_SET_MSR_FILTER: KVM_REQ_RECALC_INTERCEPTS (KVM_REQ_MSR_FILTER_CHANGED before " +
      "6.18) to all vCPUs after swapping the filter",
  }),
  site({
    fn: "kvm_pv_kick_cpu_op",
    file: "arch/x86/kvm/x86.c",
    versions: V618,
    requestFirst: "KVM_REQ_EVENT",
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "kvm_irq_delivery_to_apic -> __apic_accept_irq (APIC_DM_REMRD)",
    note: "KVM_HC_KICK_CPU hypercall: delivers APIC_DM_REMRD, which sets pv_unhalted, makes " +
      "KVM_REQ_EVENT and kicks the target",
  }),
];

/** arch/x86/kvm/lapic.c, i8259.c, i8254.c, irq.c, ioapic.c. */
const IRQCHIP: readonly KickSite[] = [
  site({
    fn: "__apic_accept_irq",
    file: "arch/x86/kvm/lapic.c",
    versions: V618,
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
    versions: V618,
    requestFirst: "KVM_REQ_EVENT",
    otherRequests: ["KVM_REQ_NMI", "KVM_REQ_SMI"],
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "__apic_accept_irq",
    note: "wrapper of the static __apic_accept_irq(); the call site when that is inlined",
  }),
  site({
    fn: "kvm_apic_local_deliver",
    file: "arch/x86/kvm/lapic.c",
    versions: V618,
    requestFirst: "KVM_REQ_EVENT",
    otherRequests: ["KVM_REQ_NMI"],
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "__apic_accept_irq",
    note: "LVT delivery (timer, LINT0 NMI watchdog, PMI) through __apic_accept_irq(); the call " +
      "site when that is inlined",
  }),
  site({
    fn: "apic_timer_expired",
    file: "arch/x86/kvm/lapic.c",
    versions: V618,
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
    versions: V618,
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "apic_timer_expired",
    note: "LAPIC hrtimer callback; the call site when the static apic_timer_expired() is inlined",
  }),
  site({
    fn: "pic_unlock",
    file: "arch/x86/kvm/i8259.c",
    versions: V6X,
    requestFirst: "KVM_REQ_EVENT",
    kind: "request",
    calls: [KICK],
    note: "when the PIC output rose (wakeup_needed): KVM_REQ_EVENT and kvm_vcpu_kick() to the " +
      "first vCPU whose LAPIC accepts PIC interrupts",
  }),
  site({
    fn: "pit_do_work",
    file: "arch/x86/kvm/i8254.c",
    versions: V6X,
    requestFirst: "KVM_REQ_NMI",
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "kvm_apic_nmi_wd_deliver -> kvm_apic_local_deliver -> __apic_accept_irq (APIC_DM_NMI)",
    note: "i8254.c has no kick of its own: the PIT IRQ goes through kvm_set_irq() (PIC: " +
      "pic_unlock, I/O APIC: __apic_accept_irq) and the NMI watchdog through " +
      "kvm_apic_nmi_wd_deliver()",
  }),
  site({
    fn: "kvm_arch_irq_routing_update",
    file: "arch/x86/kvm/irq.c",
    versions: V6X,
    requestFirst: "KVM_REQ_SCAN_IOAPIC",
    kind: "request",
    calls: [ALL_CPUS],
    direct: false,
    via: "kvm_make_scan_ioapic_request",
    note: "split irqchip: GSI routing changed, rescan I/O APIC routes on all vCPUs",
  }),
  site({
    fn: "ioapic_write_indirect",
    file: "arch/x86/kvm/ioapic.c",
    versions: V6X,
    requestFirst: "KVM_REQ_SCAN_IOAPIC",
    kind: "request",
    calls: [MASK],
    direct: false,
    via: "kvm_make_scan_ioapic_request_mask",
    note: "redirection entry written: KVM_REQ_SCAN_IOAPIC to the old and new destination vCPUs",
  }),
];

/** Xen, Hyper-V, PMU, MMU, SEV, TDX. */
const FEATURES: readonly KickSite[] = [
  site({
    fn: "xen_timer_callback",
    file: "arch/x86/kvm/xen.c",
    versions: V6X,
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    note: "Xen timer hrtimer: if the fast event-channel delivery would block, " +
      "timer_pending++, KVM_REQ_UNBLOCK and kvm_vcpu_kick()",
  }),
  site({
    fn: "kvm_xen_set_evtchn_fast",
    file: "arch/x86/kvm/xen.c",
    versions: V6X,
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    note: "event channel raised and evtchn_pending_sel newly set: KVM_REQ_UNBLOCK and " +
      "kvm_vcpu_kick(), unless an upcall vector is set (then kvm_xen_inject_vcpu_vector())",
  }),
  site({
    fn: "kvm_xen_check_poller",
    file: "arch/x86/kvm/xen.c",
    versions: V6X,
    requestFirst: "KVM_REQ_UNBLOCK",
    kind: "request",
    calls: [KICK],
    note: "a vCPU blocked in SCHEDOP_poll on this port: clears its poll bit, KVM_REQ_UNBLOCK, kick",
  }),
  site({
    fn: "stimer_mark_pending",
    file: "arch/x86/kvm/hyperv.c",
    versions: V6X,
    requestFirst: "KVM_REQ_HV_STIMER",
    kind: "request",
    calls: [KICK],
    note: "Hyper-V synthetic timer: sets its bit in stimer_pending_bitmap, KVM_REQ_HV_STIMER, " +
      "and kvm_vcpu_kick() when asked to (from the hrtimer callback)",
  }),
  site({
    fn: "stimer_timer_callback",
    file: "arch/x86/kvm/hyperv.c",
    versions: V6X,
    requestFirst: "KVM_REQ_HV_STIMER",
    kind: "request",
    calls: [KICK],
    direct: false,
    via: "stimer_mark_pending(stimer, true)",
    note: "Hyper-V stimer hrtimer; the call site when the static stimer_mark_pending() is inlined",
  }),
  site({
    fn: "synic_set_irq",
    file: "arch/x86/kvm/hyperv.c",
    versions: V6X,
    requestFirst: "KVM_REQ_EVENT",
    kind: "request",
    calls: [KICK, WAKE],
    direct: false,
    via: "kvm_irq_delivery_to_apic -> __apic_accept_irq (APIC_DM_FIXED) -> ->deliver_interrupt",
    note: "SynIC SINT as a fixed LAPIC interrupt: KVM_REQ_EVENT + kick without APICv, a posted " +
      "interrupt with it (see vmx_deliver_interrupt / svm_complete_interrupt_delivery)",
  }),
  site({
    fn: "kvm_hv_flush_tlb",
    file: "arch/x86/kvm/hyperv.c",
    versions: V6X,
    requestFirst: "KVM_REQ_HV_TLB_FLUSH",
    kind: "request",
    calls: [MASK, ALL_CPUS],
    note: "HvFlushVirtualAddress* hypercalls: queue the ranges, then KVM_REQ_HV_TLB_FLUSH " +
      "(WAIT|NO_WAKEUP) to the target vCPUs",
  }),
  site({
    fn: "kvm_vm_ioctl_set_pmu_event_filter",
    file: "arch/x86/kvm/pmu.c",
    versions: V6X,
    requestFirst: "KVM_REQ_PMU",
    kind: "request",
    calls: [ALL_CPUS],
    note: "new PMU event filter: marks every counter for reprogramming and sends KVM_REQ_PMU to " +
      "all vCPUs (pmu.c's overflow handler makes KVM_REQ_PMI/PMU without kicking: it runs on the " +
      "vCPU's own CPU)",
  }),
  site({
    fn: "kvm_mmu_zap_all_fast",
    file: "arch/x86/kvm/mmu/mmu.c",
    versions: V6X,
    requestFirst: "KVM_REQ_MMU_FREE_OBSOLETE_ROOTS",
    kind: "request",
    calls: [ALL_CPUS],
    note: "fast zap (memslot deletion, MMIO generation wrap): bumps mmu_valid_gen and sends " +
      "KVM_REQ_MMU_FREE_OBSOLETE_ROOTS to all vCPUs under mmu_lock",
  }),
  site({
    fn: "__kvm_mmu_prepare_zap_page",
    file: "arch/x86/kvm/mmu/mmu.c",
    versions: V6X,
    requestFirst: "KVM_REQ_MMU_FREE_OBSOLETE_ROOTS",
    kind: "request",
    calls: [ALL_CPUS],
    note:
      "zapping a shadow root that is still in use: KVM_REQ_MMU_FREE_OBSOLETE_ROOTS to all vCPUs",
  }),
  site({
    fn: "sev_snp_ap_creation",
    file: "arch/x86/kvm/svm/sev.c",
    versions: V6X,
    requestFirst: "KVM_REQ_UPDATE_PROTECTED_GUEST_STATE",
    kind: "request",
    calls: [KICK],
    note: "SEV-SNP AP create/destroy: kvm_make_request_and_kick(), i.e. the request and " +
      "__kvm_vcpu_kick(wait = true) because the request has WAIT (IPI + ack)",
  }),
  site({
    fn: "tdx_track",
    file: "arch/x86/kvm/vmx/tdx.c",
    versions: V6X,
    requestFirst: "KVM_REQ_OUTSIDE_GUEST_MODE",
    kind: "request",
    calls: [ALL_CPUS],
    note: "after TDH.MEM.TRACK: KVM_REQ_OUTSIDE_GUEST_MODE to all vCPUs; NO_ACTION so no bit is " +
      "logged, WAIT so the caller waits until every vCPU has left guest mode",
  }),
];

/** Posted-interrupt delivery: the seed document's exception. */
const POSTED: readonly KickSite[] = [
  site({
    fn: "vmx_deliver_interrupt",
    file: "arch/x86/kvm/vmx/vmx.c",
    versions: V6X,
    requestFirst: null,
    fallbackRequest: "KVM_REQ_EVENT",
    kind: "posted-interrupt",
    calls: [WAKE, KICK],
    note: "APICv: posts the vector (PIR, then ON) and notifies or wakes via " +
      "kvm_vcpu_trigger_posted_interrupt(); without APICv sets IRR, KVM_REQ_EVENT and " +
      "kvm_vcpu_kick() instead",
  }),
  site({
    fn: "vmx_deliver_posted_interrupt",
    file: "arch/x86/kvm/vmx/vmx.c",
    versions: V6X,
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [WAKE],
    note: "static: nested posted interrupt first, else __vmx_deliver_posted_interrupt(); returns " +
      "-1 when APICv is inactive so the caller falls back to a request",
  }),
  site({
    fn: "vmx_deliver_nested_posted_interrupt",
    file: "arch/x86/kvm/vmx/vmx.c",
    versions: V6X,
    requestFirst: "KVM_REQ_EVENT",
    kind: "posted-interrupt",
    calls: [WAKE],
    note: "L1's posted interrupt for L2: pi_pending, KVM_REQ_EVENT, smp_mb__after_atomic(), then " +
      "kvm_vcpu_trigger_posted_interrupt(POSTED_INTR_NESTED_VECTOR)",
  }),
  site({
    fn: "__vmx_deliver_posted_interrupt",
    file: "arch/x86/kvm/vmx/common.h",
    versions: V6X,
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [WAKE],
    note: "static inline: sets the PIR bit, then PID.ON (the implied barrier pairs with the " +
      "vCPU's write of IN_GUEST_MODE), then kvm_vcpu_trigger_posted_interrupt()",
  }),
  site({
    fn: "kvm_vcpu_trigger_posted_interrupt",
    file: "arch/x86/kvm/vmx/common.h",
    versions: V6X,
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [WAKE],
    note: "static inline: IN_GUEST_MODE -> notification IPI (not a KVM kick); otherwise " +
      "kvm_vcpu_wake_up(), the vCPU syncs PIR to IRR before its next entry",
  }),
  site({
    fn: "tdx_deliver_interrupt",
    file: "arch/x86/kvm/vmx/tdx.c",
    versions: V6X,
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [WAKE],
    note: "TDX guests only take posted interrupts: __vmx_deliver_posted_interrupt() on the TD's " +
      "PI descriptor",
  }),
  site({
    fn: "pi_wakeup_handler",
    file: "arch/x86/kvm/vmx/posted_intr.c",
    versions: V6X,
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [WAKE],
    note: "wakeup-vector IRQ: kvm_vcpu_wake_up() for each blocked vCPU on this CPU's list whose " +
      "PID.ON is set (device or IPI-virtualization posted interrupt)",
  }),
  site({
    fn: "svm_complete_interrupt_delivery",
    file: "arch/x86/kvm/svm/svm.c",
    versions: V618,
    requestFirst: null,
    fallbackRequest: "KVM_REQ_EVENT",
    kind: "posted-interrupt",
    calls: [WAKE, KICK],
    note: "AVIC: reads vcpu->mode (acquire); in guest -> avic_ring_doorbell(), else " +
      "kvm_vcpu_wake_up(); with AVIC inactive KVM_REQ_EVENT and kvm_vcpu_kick() instead",
  }),
  site({
    fn: "svm_deliver_interrupt",
    file: "arch/x86/kvm/svm/svm.c",
    versions: V618,
    requestFirst: null,
    fallbackRequest: "KVM_REQ_EVENT",
    kind: "posted-interrupt",
    calls: [WAKE, KICK],
    direct: false,
    via: "svm_complete_interrupt_delivery",
    note: "sets IRR, smp_mb__after_atomic(), then svm_complete_interrupt_delivery()",
  }),
  site({
    fn: "avic_kick_vcpu",
    file: "arch/x86/kvm/svm/avic.c",
    versions: V6X,
    requestFirst: null,
    fallbackRequest: "KVM_REQ_EVENT",
    kind: "posted-interrupt",
    calls: [WAKE, KICK],
    direct: false,
    via: "svm_complete_interrupt_delivery",
    note: "AVIC incomplete-IPI handling: irr_pending, then svm_complete_interrupt_delivery()",
  }),
  site({
    fn: "avic_ring_doorbell",
    file: "arch/x86/kvm/svm/avic.c",
    versions: V6X,
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [],
    note: "AVIC doorbell to the CPU of a vCPU in guest mode; no KVM kick function, so it never " +
      "shows up as a kick in stacks",
  }),
  site({
    fn: "avic_ga_log_notifier",
    file: "arch/x86/kvm/svm/avic.c",
    versions: V6X,
    requestFirst: null,
    kind: "posted-interrupt",
    calls: [WAKE],
    note: "IOMMU GA log: a device interrupt was posted to a vCPU that is not running; " +
      "kvm_vcpu_wake_up() it",
  }),
];

/** Every known kick site. */
export const KICK_SITES: readonly KickSite[] = Object.freeze([
  ...FAN_OUTS,
  ...COMMON,
  ...X86,
  ...IRQCHIP,
  ...FEATURES,
  ...POSTED,
]);

/**
 * Functions that are the kick itself (or fan one out): a stack frame with one
 * of these names belongs to the kick, not to its call site.
 */
export const KICK_FUNCTIONS: readonly string[] = Object.freeze([
  "kvm_vcpu_kick",
  KICK,
  WAKE,
  "__kvm_vcpu_wake_up",
  "kvm_make_request_and_kick",
  "kvm_make_vcpu_request",
  MASK,
  ALL_CPUS,
  "kvm_make_all_cpus_request_except",
  "kvm_make_cpus_request_mask",
  "kvm_kick_many_cpus",
]);

/**
 * Functions that are part of a kick only when KVM code calls them (rcuwait is
 * also used outside KVM): counted when the next outer frame is a kick
 * function or a known kick site.
 */
export const WEAK_KICK_FUNCTIONS: readonly string[] = Object.freeze(["rcuwait_wake_up"]);

const KICK_SET = new Set(KICK_FUNCTIONS);
const WEAK_SET = new Set(WEAK_KICK_FUNCTIONS);
const SITE_BY_FN = new Map(KICK_SITES.map((row) => [row.fn, row]));

/**
 * Reduces a stack frame or `%pS` text to a function name: drops a leading
 * `=>`, `+0x5a/0x90` offsets, ` [module]` and ` (address)` suffixes, and
 * compiler clone suffixes (`.constprop.0`, `.isra.0`, `.part.0`, `.cold`).
 */
export function normalizeFrame(frame: string): string {
  return frame.trim()
    .replace(/^=>\s*/, "")
    .replace(/\s+\[[^\]]*\]\s*$/, "")
    .replace(/\s+\([^)]*\)\s*$/, "")
    .replace(/\s+\[[^\]]*\]\s*$/, "")
    .replace(/\+0x[0-9a-f]+(\/0x[0-9a-f]+)?$/i, "")
    .replace(/(\.(constprop|isra|part|cold|llvm)(\.\d+)?)+$/, "")
    .trim();
}

/** Returns the kick site row for a frame (`kvm_arch_memslots_updated+0x5a/0x90`), if known. */
export function lookupKickSite(frame: string): KickSite | undefined {
  return SITE_BY_FN.get(normalizeFrame(frame));
}

/** Where a stack's kick was called from. */
export interface KickCallSite {
  /** Index of the outermost consecutive kick frame. */
  readonly kickFrameIndex: number;
  /** Its function name (e.g. `__kvm_vcpu_kick`, `kvm_make_all_cpus_request`). */
  readonly kickFunction: string;
  /** The kick frames, innermost first. */
  readonly chain: readonly string[];
  /** Function of the first frame outside the kick, `undefined` if the stack ends first. */
  readonly callSite: string | undefined;
  /** Index of that frame, `undefined` with it. */
  readonly callSiteIndex: number | undefined;
  /** The call site's row, if it is a known kick site. */
  readonly site: KickSite | undefined;
}

function isKickFrame(names: readonly string[], i: number): boolean {
  if (KICK_SET.has(names[i])) return true;
  if (!WEAK_SET.has(names[i]) || i + 1 >= names.length) return false;
  const outer = names[i + 1];
  return KICK_SET.has(outer) || SITE_BY_FN.has(outer);
}

/**
 * Finds the kick in a stack given innermost frame first (as ftrace prints
 * `<stack trace>`), and the frame just outside the last consecutive kick
 * frame: that frame is the call site. Returns `undefined` when no kick
 * function is in the stack.
 */
export function findKickCallSite(stack: readonly string[]): KickCallSite | undefined {
  const names = stack.map(normalizeFrame);
  const first = names.findIndex((_, i) => isKickFrame(names, i));
  if (first < 0) return undefined;
  let last = first;
  while (last + 1 < names.length && isKickFrame(names, last + 1)) last++;
  const callSiteIndex = last + 1 < names.length ? last + 1 : undefined;
  const callSite = callSiteIndex === undefined ? undefined : names[callSiteIndex];
  return {
    kickFrameIndex: last,
    kickFunction: names[last],
    chain: names.slice(first, last + 1),
    callSite,
    callSiteIndex,
    site: callSite === undefined ? undefined : SITE_BY_FN.get(callSite),
  };
}

/** How one observed kick from a site is classified. */
export interface KickClass {
  /** Seed-document class. */
  readonly kind: KickKind;
  /** Request made before it, `null` when none or unknown (caller-supplied). */
  readonly request: string | null;
}

/**
 * Classifies a kick seen at `site` through `kickFunction`: a posted-interrupt
 * site that kicked with __kvm_vcpu_kick took its fallback path, i.e. made
 * `fallbackRequest` first; otherwise the row's own kind and request apply.
 */
export function classifyKick(site: KickSite, kickFunction: string): KickClass {
  const fn = normalizeFrame(kickFunction);
  const plainKick = fn === KICK || fn === "kvm_vcpu_kick";
  if (site.kind === "posted-interrupt" && site.fallbackRequest && plainKick) {
    return { kind: "request", request: site.fallbackRequest };
  }
  return { kind: site.kind, request: site.requestFirst };
}
