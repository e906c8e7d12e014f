import assert from "node:assert/strict";
import {
  classifyKick,
  findKickCallSite,
  KICK_FUNCTIONS,
  KICK_SITES,
  lookupKickSite,
  normalizeFrame,
} from "../../src/stock/kick_sites.ts";
import { requestByName } from "../../src/model/request_table.ts";

const WAKE = "kvm_vcpu_wake_up";
const ALL = "kvm_make_all_cpus_request";

/** The real 6.18 stack from trace-events.md (sched_waking of a vCPU thread). */
const MEMSLOTS_STACK = [
  "trace_event_raw_event_sched_wakeup_template",
  "try_to_wake_up",
  "rcuwait_wake_up",
  "__kvm_vcpu_kick",
  "kvm_arch_memslots_updated",
  "kvm_swap_active_memslots",
];

Deno.test("lookupKickSite: plain names and %pS text", () => {
  const row = lookupKickSite("kvm_arch_memslots_updated+0x5a/0x90");
  assert.ok(row);
  assert.equal(row.fn, "kvm_arch_memslots_updated");
  assert.equal(row.kind, "request-less");
  assert.equal(row.requestFirst, null);
  assert.equal(row.file, "arch/x86/kvm/x86.c");
  assert.deepEqual(row.versions, ["6.18"]);
  assert.equal(lookupKickSite("kvm_arch_memslots_updated"), row);
  assert.equal(lookupKickSite("__apic_accept_irq")?.requestFirst, "KVM_REQ_EVENT");
  assert.equal(lookupKickSite("apic_timer_expired")?.requestFirst, "KVM_REQ_UNBLOCK");
  assert.equal(lookupKickSite("kvm_flush_remote_tlbs")?.requestFirst, "KVM_REQ_TLB_FLUSH");
  assert.equal(lookupKickSite("pi_wakeup_handler")?.kind, "posted-interrupt");
  assert.equal(lookupKickSite("async_pf_execute")?.kind, "wake-only");
});

Deno.test("lookupKickSite: unknown sites return undefined", () => {
  assert.equal(lookupKickSite("kvm_swap_active_memslots"), undefined);
  assert.equal(lookupKickSite("not_a_function+0x1/0x2"), undefined);
  assert.equal(lookupKickSite(""), undefined);
});

Deno.test("normalizeFrame strips offsets, module and address suffixes, clones", () => {
  assert.equal(normalizeFrame("__kvm_vcpu_kick+0x75/0xd0 [kvm]"), "__kvm_vcpu_kick");
  assert.equal(normalizeFrame("=> __kvm_vcpu_kick (ffffffffc0a1b2c3)"), "__kvm_vcpu_kick");
  assert.equal(normalizeFrame(" kvm_vcpu_wake_up+0x1a/0x40 [kvm] (ffffffffc0a1b2c3)"), WAKE);
  assert.equal(normalizeFrame("kvm_make_all_cpus_request.constprop.0+0x2f/0x80"), ALL);
  assert.equal(normalizeFrame("apic_timer_fn.cold"), "apic_timer_fn");
  assert.equal(normalizeFrame("try_to_wake_up"), "try_to_wake_up");
});

Deno.test("findKickCallSite: the real memslots stack", () => {
  const found = findKickCallSite(MEMSLOTS_STACK);
  assert.ok(found);
  assert.equal(found.kickFrameIndex, 3);
  assert.equal(found.kickFunction, "__kvm_vcpu_kick");
  assert.deepEqual(found.chain, ["rcuwait_wake_up", "__kvm_vcpu_kick"]);
  assert.equal(found.callSite, "kvm_arch_memslots_updated");
  assert.equal(found.callSiteIndex, 4);
  assert.equal(found.site?.kind, "request-less");
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
  ]);
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
  ]);
  assert.ok(found);
  assert.equal(found.kickFunction, ALL);
  assert.equal(found.callSite, "kvm_flush_remote_tlbs");
  assert.equal(found.site?.requestFirst, "KVM_REQ_TLB_FLUSH");
});

Deno.test("findKickCallSite: rcuwait_wake_up counts only when KVM calls it", () => {
  const asyncPf = findKickCallSite(["try_to_wake_up", "rcuwait_wake_up", "async_pf_execute"]);
  assert.equal(asyncPf?.kickFunction, "rcuwait_wake_up");
  assert.equal(asyncPf?.callSite, "async_pf_execute");
  assert.equal(asyncPf?.site?.kind, "wake-only");
  const rwsem = findKickCallSite(["try_to_wake_up", "rcuwait_wake_up", "percpu_up_write"]);
  assert.equal(rwsem, undefined);
});

Deno.test("findKickCallSite: no kick, or a stack ending in the kick", () => {
  assert.equal(
    findKickCallSite(["try_to_wake_up", "wake_up_process", "kthread_worker_fn"]),
    undefined,
  );
  assert.equal(findKickCallSite([]), undefined);
  const cut = findKickCallSite(["try_to_wake_up", "__kvm_vcpu_kick"]);
  assert.ok(cut);
  assert.equal(cut.callSite, undefined);
  assert.equal(cut.callSiteIndex, undefined);
  assert.equal(cut.site, undefined);
});

Deno.test("classifyKick: posted-interrupt fallback path is a request", () => {
  const vmx = lookupKickSite("vmx_deliver_interrupt");
  assert.ok(vmx);
  assert.deepEqual(classifyKick(vmx, "kvm_vcpu_wake_up"), {
    kind: "posted-interrupt",
    request: null,
  });
  assert.deepEqual(classifyKick(vmx, "__kvm_vcpu_kick+0x75/0xd0 [kvm]"), {
    kind: "request",
    request: "KVM_REQ_EVENT",
  });
  const memslots = lookupKickSite("kvm_arch_memslots_updated");
  assert.ok(memslots);
  assert.deepEqual(classifyKick(memslots, "__kvm_vcpu_kick"), {
    kind: "request-less",
    request: null,
  });
});

Deno.test("every row cites a file, versions and a note; requests exist", () => {
  const names = new Set<string>();
  for (const row of KICK_SITES) {
    assert.ok(!names.has(row.fn), `duplicate row ${row.fn}`);
    names.add(row.fn);
    assert.match(row.file, /^(virt\/kvm|arch\/x86\/kvm|include\/linux)\/[\w/]+\.[ch]$/, row.fn);
    assert.ok(row.versions.length > 0, row.fn);
    assert.ok(row.note.length > 20, row.fn);
    assert.equal(row.direct, row.via === undefined, `${row.fn}: via iff indirect`);
    for (const req of [row.requestFirst, row.fallbackRequest, ...(row.otherRequests ?? [])]) {
      if (req) assert.ok(requestByName(req), `${row.fn}: ${req}`);
    }
    if (row.kind === "request-less" || row.kind === "wake-only") {
      assert.equal(row.requestFirst, null, row.fn);
    }
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

Deno.test("the brief's required sites are present", () => {
  for (
    const fn of [
      "kvm_arch_memslots_updated",
      "kvm_make_vcpus_request_mask",
      "kvm_make_all_cpus_request",
      "__apic_accept_irq",
      "kvm_gen_kvmclock_update",
      "pit_do_work",
      "xen_timer_callback",
      "stimer_mark_pending",
      "synic_set_irq",
      "kvm_vm_ioctl_set_pmu_event_filter",
      "vmx_deliver_interrupt",
      "__vmx_deliver_posted_interrupt",
      "kvm_vcpu_trigger_posted_interrupt",
      "avic_ring_doorbell",
    ]
  ) {
    assert.ok(lookupKickSite(fn), fn);
  }
});
