import assert from "node:assert/strict";
import {
  classifyKick,
  findKickCallSite,
  kickVerdict,
  lookupKickSite,
  normalizeFrame,
} from "../../src/kernels/kick_call_site.ts";
import { KICK_SITES, kickSiteRow, kickSiteRows } from "../../src/kernels/kick_sites.ts";
import { KICK_FUNCTIONS, KICK_SHAPES } from "../../src/kernels/kick_shapes.ts";
import { requestTable } from "../../src/kernels/request_defs.ts";
import { KERNEL_VERSIONS } from "../../src/kernels/kernel_version.ts";

const WAKE = "kvm_vcpu_wake_up";
const ALL = "kvm_make_all_cpus_request";

/** The real 6.18 stack of traces/boot-2vcpu-debug-threads.trace line 1751 (sched_waking). */
const MEMSLOTS_STACK_618 = [
  "trace_event_raw_event_sched_wakeup_template",
  "try_to_wake_up",
  "rcuwait_wake_up",
  "__kvm_vcpu_kick",
  "kvm_arch_memslots_updated",
  "kvm_swap_active_memslots",
];

/**
 * The same kick on 6.12: kvm_vcpu_kick() is out of line there
 * (virt/kvm/kvm_main.c), kvm_vcpu_wake_up() inlined into it as in 6.18's
 * stack, so the frame above the call site is kvm_vcpu_kick.
 */
const MEMSLOTS_STACK_612 = [
  "trace_event_raw_event_sched_wakeup_template",
  "try_to_wake_up",
  "rcuwait_wake_up",
  "kvm_vcpu_kick",
  "kvm_arch_memslots_updated",
  "kvm_swap_active_memslots",
];

Deno.test("lookupKickSite: plain names and %pS text, per version", () => {
  for (const v of KERNEL_VERSIONS) {
    const row = lookupKickSite("kvm_arch_memslots_updated+0x5a/0x90", v);
    assert.ok(row);
    assert.equal(row.fn, "kvm_arch_memslots_updated");
    assert.equal(row.kind, "request-less");
    assert.equal(row.policy?.verdict, "intentional");
    assert.match(row.policy?.reason ?? "", /record_steal_time\(\)/);
    assert.deepEqual(row.versions, ["6.12", "6.18"]);
    assert.equal(lookupKickSite("__apic_accept_irq", v)?.requestFirst, "KVM_REQ_EVENT");
    assert.equal(lookupKickSite("apic_timer_expired", v)?.requestFirst, "KVM_REQ_UNBLOCK");
    assert.equal(lookupKickSite("kvm_flush_remote_tlbs", v)?.requestFirst, "KVM_REQ_TLB_FLUSH");
    assert.equal(lookupKickSite("async_pf_execute", v)?.kind, "wake-only");
  }
  assert.equal(
    lookupKickSite("kvm_vm_ioctl_set_msr_filter", "6.12")?.requestFirst,
    "KVM_REQ_MSR_FILTER_CHANGED",
  );
  assert.equal(
    lookupKickSite("kvm_vm_ioctl_set_msr_filter", "6.18")?.requestFirst,
    "KVM_REQ_RECALC_INTERCEPTS",
  );
});

Deno.test("lookupKickSite: unknown sites return undefined", () => {
  assert.equal(lookupKickSite("kvm_swap_active_memslots", "6.18"), undefined);
  assert.equal(lookupKickSite("not_a_function+0x1/0x2", "6.18"), undefined);
  assert.equal(lookupKickSite("", "6.12"), undefined);
});

Deno.test("issue 16.9: the missing sites are there, the stale rows are gone", () => {
  for (
    const fn of [
      "kvm_arch_sync_dirty_log",
      "cancel_evtchn_poll",
      "vmx_preemption_timer_fn",
      "kvm_unmap_gfn_range",
      "kvm_xen_shared_info_init",
      "kvm_xen_hvm_config",
    ]
  ) {
    assert.ok(kickSiteRow("6.12", fn)?.versions.includes("6.12"), fn);
    assert.ok(kickSiteRow("6.18", fn), fn);
  }
  for (
    const fn of ["kvm_track_host_mmio_mapping", "tdx_no_vcpus_enter_start", "vmx_pi_start_bypass"]
  ) {
    assert.deepEqual(kickSiteRow("6.18", fn)?.versions, ["6.18"], fn);
  }
  assert.deepEqual(kickSiteRow("6.12", "vmx_pi_start_assignment")?.versions, ["6.12"]);
  // kvm_gen_kvmclock_update() only makes KVM_REQ_CLOCK_UPDATE of its own vCPU and schedules
  // kvmclock_update_fn (arch/x86/kvm/x86.c, 6.12 and 6.18): it never kicks.
  // kvm_make_all_cpus_request_except() and kvm_make_cpus_request_mask() exist in neither.
  // Static inline helpers and callers separated from the kick by an out-of-line function of
  // another file can never be the frame below the kick.
  for (
    const fn of [
      "kvm_gen_kvmclock_update",
      "kvm_make_all_cpus_request_except",
      "kvm_make_cpus_request_mask",
      "kvm_vm_dead",
      "kvm_vcpu_trigger_posted_interrupt",
      "__vmx_deliver_posted_interrupt",
      "pit_do_work",
      "kvm_pv_kick_cpu_op",
      "synic_set_irq",
      "avic_kick_vcpu",
      "avic_ring_doorbell",
      "kvm_arch_irq_routing_update",
      "ioapic_write_indirect",
    ]
  ) {
    assert.equal(KICK_SITES.find((r) => r.fn === fn), undefined, fn);
  }
  for (const fn of ["kvm_make_all_cpus_request_except", "kvm_make_cpus_request_mask"]) {
    assert.ok(!KICK_FUNCTIONS.includes(fn), fn);
  }
});

Deno.test("normalizeFrame strips offsets, module and address suffixes, clones", () => {
  assert.equal(normalizeFrame("__kvm_vcpu_kick+0x75/0xd0 [kvm]"), "__kvm_vcpu_kick");
  assert.equal(normalizeFrame("=> __kvm_vcpu_kick (ffffffffc0a1b2c3)"), "__kvm_vcpu_kick");
  assert.equal(normalizeFrame(" kvm_vcpu_wake_up+0x1a/0x40 [kvm] (ffffffffc0a1b2c3)"), WAKE);
  assert.equal(normalizeFrame("kvm_make_all_cpus_request.constprop.0+0x2f/0x80"), ALL);
  assert.equal(normalizeFrame("apic_timer_fn.cold"), "apic_timer_fn");
  assert.equal(normalizeFrame("try_to_wake_up"), "try_to_wake_up");
});

Deno.test("findKickCallSite: the real 6.18 memslots stack, and 6.12's shape of it", () => {
  const a = findKickCallSite(MEMSLOTS_STACK_618, "6.18");
  assert.ok(a);
  assert.equal(a.kickFrameIndex, 3);
  assert.equal(a.kickFunction, KICK_SHAPES["6.18"].kickFrame);
  assert.deepEqual(a.chain, ["rcuwait_wake_up", "__kvm_vcpu_kick"]);
  assert.equal(a.callSite, "kvm_arch_memslots_updated");
  assert.equal(a.callSiteIndex, 4);
  assert.equal(a.site?.kind, "request-less");
  assert.equal(a.fanOut, false);
  const b = findKickCallSite(MEMSLOTS_STACK_612, "6.12");
  assert.ok(b);
  assert.equal(b.kickFunction, KICK_SHAPES["6.12"].kickFrame);
  assert.equal(b.callSite, "kvm_arch_memslots_updated");
  assert.equal(b.site, a.site);
});

Deno.test("findKickCallSite: offsets and module suffixes in frames", () => {
  const found = findKickCallSite([
    "trace_event_raw_event_sched_wakeup_template+0x8c/0xe0",
    "try_to_wake_up+0x2a1/0x660",
    "rcuwait_wake_up+0x2e/0x40",
    "kvm_vcpu_wake_up+0x15/0x60 [kvm]",
    "__kvm_vcpu_kick+0x75/0xd0 [kvm]",
    "apic_timer_fn+0x3c/0x70 [kvm]",
    "__hrtimer_run_queues+0x10f/0x2b0",
  ], "6.18");
  assert.ok(found);
  assert.equal(found.kickFrameIndex, 4);
  assert.equal(found.kickFunction, "__kvm_vcpu_kick");
  assert.equal(found.callSite, "apic_timer_fn");
  assert.equal(found.site?.requestFirst, "KVM_REQ_UNBLOCK");
});

Deno.test("findKickCallSite: fan-outs extend the chain to their caller", () => {
  const found = findKickCallSite([
    "try_to_wake_up",
    "rcuwait_wake_up",
    "kvm_vcpu_wake_up [kvm]",
    "kvm_make_all_cpus_request+0x61/0xd0 [kvm]",
    "kvm_flush_remote_tlbs+0x2c/0x60 [kvm]",
    "kvm_mmu_notifier_invalidate_range_start",
  ], "6.12");
  assert.ok(found);
  assert.equal(found.kickFunction, ALL);
  assert.equal(found.fanOut, true);
  assert.equal(found.callSite, "kvm_flush_remote_tlbs");
  assert.equal(found.site?.requestFirst, "KVM_REQ_TLB_FLUSH");
});

Deno.test("findKickCallSite: rcuwait_wake_up counts only when KVM calls it", () => {
  const asyncPf = findKickCallSite(
    ["try_to_wake_up", "rcuwait_wake_up", "async_pf_execute"],
    "6.12",
  );
  assert.equal(asyncPf?.kickFunction, "rcuwait_wake_up");
  assert.equal(asyncPf?.callSite, "async_pf_execute");
  assert.equal(asyncPf?.site?.kind, "wake-only");
  const rwsem = findKickCallSite(["try_to_wake_up", "rcuwait_wake_up", "percpu_up_write"], "6.12");
  assert.equal(rwsem, undefined);
});

Deno.test("findKickCallSite: no kick, or a stack ending in the kick", () => {
  assert.equal(
    findKickCallSite(["try_to_wake_up", "wake_up_process", "kthread_worker_fn"], "6.18"),
    undefined,
  );
  assert.equal(findKickCallSite([], "6.18"), undefined);
  const cut = findKickCallSite(["try_to_wake_up", "__kvm_vcpu_kick"], "6.18");
  assert.ok(cut);
  assert.equal(cut.callSite, undefined);
  assert.equal(cut.callSiteIndex, undefined);
  assert.equal(cut.site, undefined);
});

Deno.test("classifyKick: posted-interrupt fallback path is a request", () => {
  const vmx = lookupKickSite("vmx_deliver_interrupt", "6.12");
  assert.ok(vmx);
  assert.deepEqual(classifyKick(vmx, "kvm_vcpu_wake_up"), {
    kind: "posted-interrupt",
    request: null,
  });
  for (const kick of ["__kvm_vcpu_kick+0x75/0xd0 [kvm]", "kvm_vcpu_kick"]) {
    assert.deepEqual(classifyKick(vmx, kick), { kind: "request", request: "KVM_REQ_EVENT" });
  }
  const memslots = lookupKickSite("kvm_arch_memslots_updated", "6.18");
  assert.ok(memslots);
  assert.deepEqual(classifyKick(memslots, "__kvm_vcpu_kick"), {
    kind: "request-less",
    request: null,
  });
});

Deno.test("kickVerdict: request, intentional (with reason), unknown; fan-outs are requests", () => {
  assert.equal(
    kickVerdict("kvm_arch_memslots_updated", "__kvm_vcpu_kick", "6.18").verdict,
    "intentional",
  );
  assert.equal(
    kickVerdict("kvm_arch_sync_dirty_log", "kvm_vcpu_kick", "6.12").verdict,
    "intentional",
  );
  assert.equal(kickVerdict("pi_wakeup_handler", WAKE, "6.12").verdict, "intentional");
  assert.equal(kickVerdict("svm_complete_interrupt_delivery", WAKE, "6.18").verdict, "intentional");
  const req = kickVerdict("__apic_accept_irq", "kvm_vcpu_kick", "6.12");
  assert.equal(req.verdict, "request");
  assert.equal(req.verdict === "request" ? req.request : "", "KVM_REQ_EVENT");
  assert.equal(
    kickVerdict("kvm_swap_active_memslots", "__kvm_vcpu_kick", "6.18").verdict,
    "unknown",
  );
  assert.equal(kickVerdict(undefined, undefined, "6.18").verdict, "unknown");
  assert.equal(kickVerdict("some_caller_of_a_fan_out", ALL, "6.18", true).verdict, "request");
});

Deno.test("every row cites a file, versions and a note; requests exist in its versions", () => {
  const seen = new Set<string>();
  for (const row of KICK_SITES) {
    const key = `${row.fn}@${row.versions.join(",")}`;
    assert.ok(!seen.has(key), `duplicate row ${key}`);
    seen.add(key);
    assert.match(row.file, /^(virt\/kvm|arch\/x86\/kvm|include\/linux)\/[\w/]+\.[ch]$/, row.fn);
    assert.ok(row.versions.length > 0, row.fn);
    for (const v of row.versions) assert.ok(KERNEL_VERSIONS.includes(v), `${row.fn}: ${v}`);
    assert.ok(row.note.length > 20, row.fn);
    assert.equal(row.direct, row.via === undefined, `${row.fn}: via iff indirect`);
    for (const req of [row.requestFirst, row.fallbackRequest, ...(row.otherRequests ?? [])]) {
      if (!req) continue;
      for (const v of row.versions) {
        assert.ok(requestTable(v).byName(req), `${row.fn} ${v}: ${req}`);
      }
    }
    if (row.kind === "request-less" || row.kind === "wake-only") {
      assert.equal(row.requestFirst, null, row.fn);
      assert.ok(row.policy, `${row.fn}: a request-less row says whether it is meant`);
    }
    if (row.kind === "posted-interrupt") assert.ok(row.policy, row.fn);
    if (row.kind === "request") {
      assert.ok(row.requestFirst !== null || row.requestFromCaller === true, row.fn);
    }
    for (const fn of row.calls) {
      assert.ok(
        KICK_FUNCTIONS.includes(fn) || fn.startsWith("smp_call") || fn === "rcuwait_wake_up",
        `${row.fn} calls ${fn}`,
      );
    }
  }
});

Deno.test("per-version rows: the version's own row wins, others stand in", () => {
  for (const v of KERNEL_VERSIONS) {
    for (const [fn, row] of kickSiteRows(v)) {
      assert.equal(row.fn, fn);
      const own = KICK_SITES.find((r) => r.fn === fn && r.versions.includes(v));
      if (own !== undefined) assert.equal(row, own, `${v} ${fn}`);
    }
  }
});
