/**
 * A maintainer's review (qa-kernel) of rules against real lab lines: each
 * test is an excerpt of a trace of Debian's 6.12.118 with the patch series
 * (kernel/patches/linux-6.12), cited, and the kernel source that makes the
 * excerpt correct behaviour (or a violation).
 *
 * @module
 */

import assert from "node:assert/strict";
import { lintText } from "./lint_fixture.ts";

const HEAD = "# tracer: nop\n#\n# kernel: 6.12.118+deb12-amd64\n# arch: x86_64\n";

async function findings(lines: readonly string[]): Promise<string[]> {
  const r = await lintText("t.trace", HEAD + lines.join("\n") + "\n");
  return r.findings.filter((f) => f.severity !== "info").map((f) => `${f.ruleId}@${f.at.line}`);
}

/**
 * Lab ipi workload (series + M09, whose change — the IN_GUEST_MODE write
 * moved after the srcu barrier — does not touch kicks or blocking; run 4 of
 * /work/kdev/m9, lines 3025-3161, stacks and sched lines dropped): vCPU 0's
 * thread makes KVM_REQ_EVENT of vCPU 1 (line 5) and kicks it; its
 * kvm_vcpu_wake_up() finds no sleeper and its cmpxchg reads IN_GUEST_MODE
 * while vCPU 1 is in the guest, but the kick line (33) is recorded 140 µs
 * later, after vCPU 1 consumed the request, exited for HLT and blocked (32).
 */
const LATE_KICK_WHILE_BLOCKED: readonly string[] = [
  "       CPU 0/KVM-154     (    153) [001] .....     9.184984: kvm_make_request: vcpu=1 req=KVM_REQ_EVENT nr=14 flags=0 site=svm_complete_interrupt_delivery+0x3e/0xc0 [kvm_amd]",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185114: kvm_exit: vcpu 1 reason interrupt rip 0x1157 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185120: kvm_vcpu_mode: vcpu=1 old=EXITING_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185293: kvm_check_request: vcpu=1 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185463: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185466: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185470: kvm_entry: vcpu 1, rip 0x1157",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185503: kvm_exit: vcpu 1 reason vintr rip 0x106f info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185509: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185538: kvm_make_request: vcpu=1 req=KVM_REQ_EVENT nr=14 flags=0 site=interrupt_window_interception+0x48/0x50 [kvm_amd]",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185609: kvm_check_request: vcpu=1 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185617: kvm_inj_virq: IRQ 0x40",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185621: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185623: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185626: kvm_entry: vcpu 1, rip 0x106f",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185654: kvm_exit: vcpu 1 reason msr rip 0x1155 info1 0x0000000000000001 info2 0x0000000000000000 intr_info 0x00000040 error_code 0x00000000",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185659: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185663: kvm_apic: apic_write APIC_EOI = 0x0",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185665: kvm_eoi: apicid 1 vector 64",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185668: kvm_make_request: vcpu=1 req=KVM_REQ_EVENT nr=14 flags=0 site=apic_set_eoi+0x147/0x200 [kvm]",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185670: kvm_msr: msr_write 80b = 0x0",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185694: kvm_check_request: vcpu=1 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185697: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185698: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185701: kvm_entry: vcpu 1, rip 0x1157",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185726: kvm_exit: vcpu 1 reason hlt rip 0x106e info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-156     (    153) [000] d..1.     9.185730: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-156     (    153) [000] .....     9.185749: kvm_vcpu_block: vcpu=1",
  "       CPU 0/KVM-154     (    153) [001] ...1.     9.185888: kvm_vcpu_kick: vcpu=1 idx=1 mode=IN_GUEST_MODE action=ipi cpu=0 site=__apic_accept_irq+0x18a/0x2a0 [kvm]",
  "       CPU 0/KVM-154     (    153) [001] ...1.     9.185969: ipi_send_cpu: cpu=0 callsite=__apic_accept_irq+0x18a/0x2a0 [kvm] callback=0x0",
  "       CPU 0/KVM-154     (    153) [001] .....     9.186028: kvm_apic: apic_write APIC_ICR = 0x100000040",
  "       CPU 0/KVM-154     (    153) [001] .....     9.186031: kvm_msr: msr_write 830 = 0x100000040",
  "       CPU 0/KVM-154     (    153) [001] d..1.     9.186053: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-154     (    153) [001] d..1.     9.186055: kvm_request_pending: vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-154     (    153) [001] d..1.     9.186059: kvm_entry: vcpu 0, rip 0x10b7",
  "       CPU 0/KVM-154     (    153) [001] d..1.     9.186126: kvm_exit: vcpu 0 reason msr rip 0x10b5 info1 0x0000000000000001 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 0/KVM-154     (    153) [001] d..1.     9.186133: kvm_vcpu_mode: vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 0/KVM-154     (    153) [001] .....     9.186138: kvm_apic_ipi: dst 1 vec 64 (Fixed|physical|de-assert|edge|dst)",
  "       CPU 0/KVM-154     (    153) [001] .....     9.186143: kvm_apic_accept_irq: apicid 1 vec 64 (Fixed|edge)",
  "       CPU 0/KVM-154     (    153) [001] .....     9.186147: kvm_make_request: vcpu=1 req=KVM_REQ_EVENT nr=14 flags=0 site=svm_complete_interrupt_delivery+0x3e/0xc0 [kvm_amd]",
  "       CPU 0/KVM-154     (    153) [001] .....     9.186245: kvm_vcpu_kick: vcpu=1 idx=1 mode=OUTSIDE_GUEST_MODE action=wake cpu=-1 site=__apic_accept_irq+0x18a/0x2a0 [kvm]",
  "       CPU 0/KVM-154     (    153) [001] .....     9.186263: kvm_apic: apic_write APIC_ICR = 0x100000040",
  "       CPU 0/KVM-154     (    153) [001] .....     9.186265: kvm_msr: msr_write 830 = 0x100000040",
  "       CPU 0/KVM-154     (    153) [001] d..1.     9.186284: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-154     (    153) [001] d..1.     9.186286: kvm_request_pending: vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-154     (    153) [001] d..1.     9.186289: kvm_entry: vcpu 0, rip 0x10b7",
  "       CPU 1/KVM-156     (    153) [000] .....     9.193407: kvm_vcpu_unblock: vcpu=1 woken=1",
];

Deno.test("lost-wakeup: a kick that read IN_GUEST_MODE decided before the vCPU blocked", async () => {
  assert.deepEqual(await findings(LATE_KICK_WHILE_BLOCKED), []);
  // M08's shape (kvm_vcpu_kick() without its kvm_vcpu_wake_up()): vCPU 1 blocks, then the
  // request is made (line 5 moved after the block) and the kick reads OUTSIDE_GUEST_MODE and
  // does nothing while vCPU 1 sleeps: a lost wakeup.
  const make = LATE_KICK_WHILE_BLOCKED[0];
  const lost = LATE_KICK_WHILE_BLOCKED.slice(1).flatMap((l) =>
    l.includes("9.185749: kvm_vcpu_block")
      ? [l, make.replace("9.184984", "9.185760")]
      : l.includes("9.185888: kvm_vcpu_kick")
      ? [
        l.replace(
          "mode=IN_GUEST_MODE action=ipi cpu=0",
          "mode=OUTSIDE_GUEST_MODE action=none cpu=-1",
        ),
      ]
      : l.includes("9.185969: ipi_send_cpu")
      ? []
      : [l]
  );
  assert.deepEqual(await findings(lost), ["lost-wakeup@33"]);
});

async function errors(lines: readonly string[]): Promise<string[]> {
  const r = await lintText("t.trace", HEAD + lines.join("\n") + "\n");
  return r.findings.filter((f) => f.severity === "error").map((f) => `${f.ruleId}@${f.at.line}`);
}

/**
 * labbig's trace-cmd recording of the lab ipi workload (series 3da6fe06,
 * /tmp/labbig-dat/ipi.tracefs.txt lines 2075-2124; stacks, sched, ipi, csd
 * and kvm_apic/msr/eoi/inj lines dropped). vCPU 1's thread makes
 * KVM_REQ_EVENT of itself (apic_set_eoi, line 23), checks it (24); vCPU 0's
 * thread makes KVM_REQ_EVENT of vCPU 1 (25, 2 µs after the check) and kicks
 * it reading OUTSIDE_GUEST_MODE; vCPU 1 writes IN_GUEST_MODE and its final
 * check reads pending=0 (28). Correct: the make line is recorded after
 * set_bit() and the check line after the test-and-clear, so the second
 * make's bit was set before the check cleared it (one bit, two makes, one
 * check); and the kick read OUTSIDE_GUEST_MODE, so by the Dekker pattern the
 * final check had to see the bit if it were still set.
 */
const MAKE_DURING_CHECK: readonly string[] = [
  "       CPU 0/KVM-641     (    640) [000] d..1.    60.979481: kvm_request_pending: vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-641     (    640) [000] d..1.    60.979484: kvm_entry: vcpu 0, rip 0x10b7",
  "       CPU 1/KVM-643     (    640) [001] .....    60.979493: kvm_check_request: vcpu=1 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.979503: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.979506: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.979510: kvm_entry: vcpu 1, rip 0x1157",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.979581: kvm_exit: vcpu 1 reason vintr rip 0x106f info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.979592: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-643     (    640) [001] .N...    60.979740: kvm_make_request: vcpu=1 req=KVM_REQ_EVENT nr=14 flags=0 site=interrupt_window_interception+0x48/0x50 [kvm_amd]",
  "       CPU 1/KVM-643     (    640) [001] .....    60.979948: kvm_check_request: vcpu=1 req=KVM_REQ_STEAL_UPDATE nr=16 result=1",
  "       CPU 1/KVM-643     (    640) [001] .....    60.979951: kvm_check_request: vcpu=1 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.979970: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.979973: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.979980: kvm_entry: vcpu 1, rip 0x106f",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.980044: kvm_exit: vcpu 1 reason msr rip 0x1155 info1 0x0000000000000001 info2 0x0000000000000000 intr_info 0x00000040 error_code 0x00000000",
  "       CPU 0/KVM-641     (    640) [000] d..1.    60.980053: kvm_exit: vcpu 0 reason msr rip 0x10b5 info1 0x0000000000000001 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.980053: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 0/KVM-641     (    640) [000] d..1.    60.980060: kvm_vcpu_mode: vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-643     (    640) [001] .....    60.980067: kvm_make_request: vcpu=1 req=KVM_REQ_EVENT nr=14 flags=0 site=apic_set_eoi+0x147/0x200 [kvm]",
  "       CPU 1/KVM-643     (    640) [001] .....    60.980101: kvm_check_request: vcpu=1 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 0/KVM-641     (    640) [000] .....    60.980103: kvm_make_request: vcpu=1 req=KVM_REQ_EVENT nr=14 flags=0 site=svm_complete_interrupt_delivery+0x3e/0xc0 [kvm_amd]",
  "       CPU 0/KVM-641     (    640) [000] ...1.    60.980106: kvm_vcpu_kick: vcpu=1 idx=1 mode=OUTSIDE_GUEST_MODE action=none cpu=-1 site=__apic_accept_irq+0x18a/0x2a0 [kvm]",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.980110: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-643     (    640) [001] d..1.    60.980113: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
];

Deno.test("request-unseen-at-entry: a make line right after the vCPU's check of that request", async () => {
  assert.deepEqual(await errors(MAKE_DURING_CHECK), []);
  // The same make 200 µs after the check (beyond MAKE_LINE_LAG_NS): the bit was set after
  // the check cleared it, and the final check after the IN_GUEST_MODE write missed it.
  const shift: Record<string, string> = {
    "60.980103": "60.980303", // CPU 0/KVM-641's make
    "60.980106": "60.980306", // and kick
    "60.980110": "60.980410", // vCPU 1's IN_GUEST_MODE write
    "60.980113": "60.980413", // and final check
  };
  const later = MAKE_DURING_CHECK.map((l) => l.replace(/60\.9801\d\d/, (t) => shift[t] ?? t));
  assert.deepEqual(await errors(later), ["request-unseen-at-entry@28"]);
});

/**
 * labbig's trace-cmd recording of the lab shadow-mmu workload
 * (/tmp/labbig-dat/shadow-mmu.tracefs.txt lines 1700-1741, filtered as
 * above). A kvm_flush_remote_tlbs() fan-out's kick of vCPU 0 reads
 * IN_GUEST_MODE (line 18) 1 µs before vCPU 0's own OUTSIDE -> IN line (19):
 * vcpu_enter_guest() traces its write after the smp_store_release(), so the
 * kicker's cmpxchg (kvm_make_vcpu_request(), virt/kvm/kvm_main.c) ran between
 * the store and the trace call. The final check then reads
 * EXITING_GUEST_MODE (20) and the vCPU writes EXITING -> OUTSIDE (21).
 */
const KICK_LINE_BEFORE_IN_LINE: readonly string[] = [
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040587: kvm_vcpu_mode: vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040611: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040614: kvm_request_pending: vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040616: kvm_entry: vcpu 0, rip 0x10f6",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040718: kvm_exit: vcpu 0 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x0000000000047000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040725: kvm_vcpu_mode: vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040761: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040764: kvm_request_pending: vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040767: kvm_entry: vcpu 0, rip 0x10f6",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040890: kvm_exit: vcpu 0 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x0000000000048000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.040898: kvm_vcpu_mode: vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "      shadow-mmu-1365    (   1365) [000] .....   111.041012: kvm_make_all_cpus_request: req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP mask=0x0000000000000003 phase=begin site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.041016: kvm_make_request: vcpu=0 req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP site=kvm_make_all_cpus_request+0xc1/0x260 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.041017: kvm_vcpu_kick: vcpu=0 idx=0 mode=IN_GUEST_MODE action=ipi cpu=1 site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.041018: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.041022: kvm_request_pending: vcpu=0 pending=0x0000000000000001 mode=EXITING_GUEST_MODE work=0 exit=1",
  "       CPU 0/KVM-1366    (   1365) [001] d..1.   111.041025: kvm_vcpu_mode: vcpu=0 old=EXITING_GUEST_MODE new=OUTSIDE_GUEST_MODE",
];

/** The same recording, lines 1971-2203: one early kick, then ordinary ones. */
const EARLY_THEN_ORDINARY_KICKS: readonly string[] = [
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043352: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "      shadow-mmu-1365    (   1365) [000] .....   111.043425: kvm_make_all_cpus_request: req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP mask=0x0000000000000003 phase=begin site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.043429: kvm_make_request: vcpu=0 req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP site=kvm_make_all_cpus_request+0xc1/0x260 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.043430: kvm_vcpu_kick: vcpu=0 idx=0 mode=OUTSIDE_GUEST_MODE action=none cpu=-1 site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.043444: kvm_make_request: vcpu=1 req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP site=kvm_make_all_cpus_request+0xc1/0x260 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.043445: kvm_vcpu_kick: vcpu=1 idx=1 mode=IN_GUEST_MODE action=ipi cpu=1 site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043445: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043450: kvm_request_pending: vcpu=1 pending=0x0000000000000001 mode=EXITING_GUEST_MODE work=0 exit=1",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043453: kvm_vcpu_mode: vcpu=1 old=EXITING_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] .....   111.043461: kvm_check_request: vcpu=1 req=KVM_REQ_TLB_FLUSH nr=0 result=1",
  "       CPU 1/KVM-1368    (   1365) [001] d.h..   111.043527: kvm_vcpu_ipi_ack: vcpu=1 cpu=1",
  "      shadow-mmu-1365    (   1365) [000] .....   111.043535: kvm_make_all_cpus_request: req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP mask=0x0000000000000003 phase=end site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043543: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043545: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043550: kvm_entry: vcpu 1, rip 0x10f6",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043639: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000003 info2 0x0000000000053000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043646: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d....   111.043659: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=READING_SHADOW_PAGE_TABLES",
  "       CPU 1/KVM-1368    (   1365) [001] d....   111.043669: kvm_vcpu_mode: vcpu=1 old=READING_SHADOW_PAGE_TABLES new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043676: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043678: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043682: kvm_entry: vcpu 1, rip 0x10f6",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043716: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x0000000000054000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043721: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043757: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043759: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043762: kvm_entry: vcpu 1, rip 0x10f6",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043794: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x0000000000055000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043799: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043821: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043823: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043826: kvm_entry: vcpu 1, rip 0x10f6",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043856: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x0000000000056000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043861: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043883: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043885: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.043887: kvm_entry: vcpu 1, rip 0x10f6",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044024: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x0000000000057000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044032: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044126: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044129: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044133: kvm_entry: vcpu 1, rip 0x10f6",
  "      shadow-mmu-1365    (   1365) [000] .....   111.044139: kvm_make_all_cpus_request: req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP mask=0x0000000000000003 phase=begin site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.044142: kvm_make_request: vcpu=0 req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP site=kvm_make_all_cpus_request+0xc1/0x260 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.044143: kvm_vcpu_kick: vcpu=0 idx=0 mode=OUTSIDE_GUEST_MODE action=none cpu=-1 site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.044159: kvm_make_request: vcpu=1 req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP site=kvm_make_all_cpus_request+0xc1/0x260 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.044160: kvm_vcpu_kick: vcpu=1 idx=1 mode=IN_GUEST_MODE action=ipi cpu=1 site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044171: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000003 info2 0x0000000000057000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044188: kvm_vcpu_mode: vcpu=1 old=EXITING_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d.h1.   111.044229: kvm_vcpu_ipi_ack: vcpu=1 cpu=1",
  "      shadow-mmu-1365    (   1365) [000] .....   111.044235: kvm_make_all_cpus_request: req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP mask=0x0000000000000003 phase=end site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "       CPU 1/KVM-1368    (   1365) [001] d....   111.044256: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=READING_SHADOW_PAGE_TABLES",
  "       CPU 1/KVM-1368    (   1365) [001] d....   111.044316: kvm_vcpu_mode: vcpu=1 old=READING_SHADOW_PAGE_TABLES new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] .....   111.044325: kvm_check_request: vcpu=1 req=KVM_REQ_TLB_FLUSH nr=0 result=1",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044331: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044334: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044338: kvm_entry: vcpu 1, rip 0x10f6",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044377: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x0000000000058000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044383: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044416: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044418: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044421: kvm_entry: vcpu 1, rip 0x10f6",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044456: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x0000000000059000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044461: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044487: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044489: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044491: kvm_entry: vcpu 1, rip 0x10f6",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044524: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x000000000005a000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044529: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044551: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044553: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044555: kvm_entry: vcpu 1, rip 0x10f6",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044588: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x000000000005b000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044594: kvm_vcpu_mode: vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044694: kvm_vcpu_mode: vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044698: kvm_request_pending: vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044702: kvm_entry: vcpu 1, rip 0x10f6",
  "      shadow-mmu-1365    (   1365) [000] .....   111.044753: kvm_make_all_cpus_request: req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP mask=0x0000000000000003 phase=begin site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.044755: kvm_make_request: vcpu=0 req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP site=kvm_make_all_cpus_request+0xc1/0x260 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.044757: kvm_vcpu_kick: vcpu=0 idx=0 mode=OUTSIDE_GUEST_MODE action=none cpu=-1 site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.044770: kvm_make_request: vcpu=1 req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP site=kvm_make_all_cpus_request+0xc1/0x260 [kvm]",
  "      shadow-mmu-1365    (   1365) [000] ...1.   111.044771: kvm_vcpu_kick: vcpu=1 idx=1 mode=IN_GUEST_MODE action=ipi cpu=1 site=kvm_flush_remote_tlbs+0x43/0x50 [kvm]",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044820: kvm_exit: vcpu 1 reason PF excp rip 0x10f6 info1 0x0000000000000002 info2 0x000000000005c000 intr_info 0x00000000 error_code 0x00000000",
  "       CPU 1/KVM-1368    (   1365) [001] d..1.   111.044834: kvm_vcpu_mode: vcpu=1 old=EXITING_GUEST_MODE new=OUTSIDE_GUEST_MODE",
];

Deno.test("invalid-mode-transition: a kick that read IN_GUEST_MODE just before the vCPU's IN line", async () => {
  assert.deepEqual(await errors(KICK_LINE_BEFORE_IN_LINE), []);
  // Before the fix the early kick was unknown to the model, and each later kick was taken
  // for the late line of the previous exchange, up to a false error at the end.
  assert.deepEqual(await errors(EARLY_THEN_ORDINARY_KICKS), []);
  // Without the kick line the EXITING -> OUTSIDE write has no kick behind it.
  const noKick = KICK_LINE_BEFORE_IN_LINE.filter((l) => !l.includes("111.041017: kvm_vcpu_kick"));
  assert.deepEqual(await errors(noKick), ["invalid-mode-transition@20"]);
});

Deno.test("request-unseen-at-entry: the final check must follow the IN_GUEST_MODE write (structural)", async () => {
  // Real lines (LATE_KICK_WHILE_BLOCKED): every entry of vCPU 1 is IN write, final check, entry.
  assert.deepEqual(await errors(LATE_KICK_WHILE_BLOCKED), []);
  // A kernel that checks before writing IN_GUEST_MODE: the check reads OUTSIDE_GUEST_MODE.
  const swapped: string[] = [];
  for (let i = 0; i < LATE_KICK_WHILE_BLOCKED.length; i++) {
    const l = LATE_KICK_WHILE_BLOCKED[i];
    const next = LATE_KICK_WHILE_BLOCKED[i + 1] ?? "";
    if (
      l.includes("vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE") &&
      next.includes("kvm_request_pending")
    ) {
      const t = (x: string) => /\s(\d+\.\d{6}):/.exec(x)![1];
      swapped.push(
        next.replace(t(next), t(l)).replace("mode=IN_GUEST_MODE", "mode=OUTSIDE_GUEST_MODE"),
        l.replace(t(l), t(next)),
      );
      i++;
    } else swapped.push(l);
  }
  assert.deepEqual(await errors(swapped), [
    "request-unseen-at-entry@9",
    "request-unseen-at-entry@17",
    "request-unseen-at-entry@27",
  ]);
  // A kernel that enters without the final check after the IN_GUEST_MODE write (vCPU 1's
  // second entry, line 19 of the excerpt, loses its check).
  const unchecked = LATE_KICK_WHILE_BLOCKED.filter((l) =>
    !l.includes("9.185623: kvm_request_pending")
  );
  assert.deepEqual(await errors(unchecked), ["request-unseen-at-entry@18"]);
});

Deno.test("guest-mode-irqs-enabled: the final check after the IN_GUEST_MODE write runs with interrupts off", async () => {
  // Real lines: every final check of vCPU 1 is `d..1.`.
  assert.deepEqual(await errors(LATE_KICK_WHILE_BLOCKED), []);
  // A kernel that enables interrupts between the IN_GUEST_MODE write and the final check.
  const irqsOn = LATE_KICK_WHILE_BLOCKED.map((l) =>
    l.includes("9.185623: kvm_request_pending") ? l.replace("d..1.", "...1.") : l
  );
  assert.deepEqual(await errors(irqsOn), ["guest-mode-irqs-enabled@18"]);
});

/**
 * labbig's trace-cmd recording of all workloads under single-threaded TCG
 * (/work/big/big.trace lines 321380-321529, `trace-cmd report` layout, vCPU
 * threads' kvm lines only). CPU 1/KVM-375 makes KVM_REQ_EVENT of vCPU 0
 * (30.592927) and kicks it; the kick line (30.596473, mode=OUTSIDE_GUEST_MODE
 * action=none) is recorded 3.5 ms later, after vCPU 0 consumed the request
 * (30.593114), entered, halted and blocked (30.593283).
 */
const SERVED_BEFORE_BLOCK: readonly string[] = [
  "       CPU 1/KVM-375   [001]    30.592439: kvm_make_request:     vcpu=0 req=KVM_REQ_EVENT nr=14 flags=0 site=svm_complete_interrupt_delivery+0x3e",
  "       CPU 1/KVM-375   [001]    30.592650: kvm_vcpu_kick:        vcpu=0 idx=0 mode=OUTSIDE_GUEST_MODE action=wake cpu=-1 site=__apic_accept_irq+0x18a",
  "       CPU 1/KVM-375   [001]    30.592713: kvm_vcpu_mode:        vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-375   [001]    30.592715: kvm_request_pending:  vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-375   [001]    30.592720: kvm_entry:             vcpu 1 rip 0x10b7",
  "       CPU 0/KVM-374   [000]    30.592762: kvm_make_request:     vcpu=0 req=KVM_REQ_STEAL_UPDATE nr=16 flags=0 site=kvm_sched_in+0x2c",
  "       CPU 0/KVM-374   [000]    30.592768: kvm_vcpu_unblock:     vcpu=0 woken=1",
  "       CPU 0/KVM-374   [000]    30.592777: kvm_check_request:    vcpu=0 req=KVM_REQ_STEAL_UPDATE nr=16 result=1",
  "       CPU 0/KVM-374   [000]    30.592780: kvm_check_request:    vcpu=0 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 0/KVM-374   [000]    30.592789: kvm_vcpu_mode:        vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-374   [000]    30.592791: kvm_request_pending:  vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-374   [000]    30.592795: kvm_entry:             vcpu 0 rip 0x106f",
  "       CPU 0/KVM-374   [000]    30.592823: kvm_exit:             reason EXIT_MSR rip 0x1155 info 1 0",
  "       CPU 0/KVM-374   [000]    30.592829: kvm_vcpu_mode:        vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-375   [001]    30.592910: kvm_exit:             reason EXIT_MSR rip 0x10b5 info 1 0",
  "       CPU 1/KVM-375   [001]    30.592915: kvm_vcpu_mode:        vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-375   [001]    30.592927: kvm_make_request:     vcpu=0 req=KVM_REQ_EVENT nr=14 flags=0 site=svm_complete_interrupt_delivery+0x3e",
  "       CPU 0/KVM-374   [000]    30.593086: kvm_make_request:     vcpu=0 req=KVM_REQ_EVENT nr=14 flags=0 site=apic_set_eoi+0x147",
  "       CPU 0/KVM-374   [000]    30.593114: kvm_check_request:    vcpu=0 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 0/KVM-374   [000]    30.593125: kvm_vcpu_mode:        vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-374   [000]    30.593127: kvm_request_pending:  vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-374   [000]    30.593131: kvm_entry:             vcpu 0 rip 0x1157",
  "       CPU 0/KVM-374   [000]    30.593160: kvm_exit:             reason EXIT_VINTR rip 0x106f info 0 0",
  "       CPU 0/KVM-374   [000]    30.593166: kvm_vcpu_mode:        vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 0/KVM-374   [000]    30.593169: kvm_make_request:     vcpu=0 req=KVM_REQ_EVENT nr=14 flags=0 site=interrupt_window_interception+0x48",
  "       CPU 0/KVM-374   [000]    30.593173: kvm_check_request:    vcpu=0 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 0/KVM-374   [000]    30.593181: kvm_vcpu_mode:        vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-374   [000]    30.593182: kvm_request_pending:  vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-374   [000]    30.593184: kvm_entry:             vcpu 0 rip 0x106f",
  "       CPU 0/KVM-374   [000]    30.593207: kvm_exit:             reason EXIT_MSR rip 0x1155 info 1 0",
  "       CPU 0/KVM-374   [000]    30.593211: kvm_vcpu_mode:        vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 0/KVM-374   [000]    30.593219: kvm_make_request:     vcpu=0 req=KVM_REQ_EVENT nr=14 flags=0 site=apic_set_eoi+0x147",
  "       CPU 0/KVM-374   [000]    30.593234: kvm_check_request:    vcpu=0 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 0/KVM-374   [000]    30.593236: kvm_vcpu_mode:        vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-374   [000]    30.593238: kvm_request_pending:  vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-374   [000]    30.593240: kvm_entry:             vcpu 0 rip 0x1157",
  "       CPU 0/KVM-374   [000]    30.593262: kvm_exit:             reason EXIT_HLT rip 0x106e info 0 0",
  "       CPU 0/KVM-374   [000]    30.593265: kvm_vcpu_mode:        vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 0/KVM-374   [000]    30.593283: kvm_vcpu_block:       vcpu=0",
  "       CPU 1/KVM-375   [001]    30.596473: kvm_vcpu_kick:        vcpu=0 idx=0 mode=OUTSIDE_GUEST_MODE action=none cpu=-1 site=__apic_accept_irq+0x18a",
  "       CPU 1/KVM-375   [001]    30.596555: kvm_vcpu_mode:        vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-375   [001]    30.596557: kvm_request_pending:  vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-375   [001]    30.596562: kvm_entry:             vcpu 1 rip 0x10b7",
  "       CPU 1/KVM-375   [001]    30.596745: kvm_exit:             reason EXIT_MSR rip 0x10b5 info 1 0",
  "       CPU 1/KVM-375   [001]    30.596752: kvm_vcpu_mode:        vcpu=1 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 1/KVM-375   [001]    30.596768: kvm_make_request:     vcpu=0 req=KVM_REQ_EVENT nr=14 flags=0 site=svm_complete_interrupt_delivery+0x3e",
  "       CPU 1/KVM-375   [001]    30.596791: kvm_vcpu_kick:        vcpu=0 idx=0 mode=OUTSIDE_GUEST_MODE action=wake cpu=-1 site=__apic_accept_irq+0x18a",
  "       CPU 1/KVM-375   [001]    30.596853: kvm_vcpu_mode:        vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 1/KVM-375   [001]    30.596855: kvm_request_pending:  vcpu=1 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 1/KVM-375   [001]    30.596859: kvm_entry:             vcpu 1 rip 0x10b7",
  "       CPU 0/KVM-374   [000]    30.596914: kvm_make_request:     vcpu=0 req=KVM_REQ_STEAL_UPDATE nr=16 flags=0 site=kvm_sched_in+0x2c",
  "       CPU 0/KVM-374   [000]    30.596921: kvm_vcpu_unblock:     vcpu=0 woken=1",
];

Deno.test("lost-wakeup: a late kick whose request the vCPU served before it blocked", async () => {
  const run = async (lines: readonly string[]) => {
    const r = await lintText("t.trace", "cpus=2\n" + lines.join("\n") + "\n");
    return r.findings.filter((f) => f.ruleId === "lost-wakeup").map((f) => f.at.line);
  };
  assert.deepEqual(await run(SERVED_BEFORE_BLOCK), []);
  // The same kick of a vCPU that blocked before the request was made (M08's shape: the kick
  // should have woken it): the make line moved after the block line.
  const make = SERVED_BEFORE_BLOCK.find((l) => l.includes("30.592927: kvm_make_request"))!;
  const moved = SERVED_BEFORE_BLOCK.filter((l) => l !== make).flatMap((l) =>
    l.includes("30.593283: kvm_vcpu_block") ? [l, make.replace("30.592927", "30.593290")] : [l]
  );
  const kickLine = moved.findIndex((l) => l.includes("30.596473: kvm_vcpu_kick")) + 2;
  assert.deepEqual(await run(moved), [kickLine]);
});

/**
 * labbig's single-threaded-TCG recording (/work/big/big.trace around line
 * 1144214, vCPU 0's and the injector's kvm lines): irq-inject-956's kick of
 * vCPU 0 reads IN_GUEST_MODE (79.437710) 1.9 ms before vCPU 0's own
 * OUTSIDE -> IN line (79.439583): vCPU 0's guest CPU was descheduled between
 * its IN_GUEST_MODE store and the trace call. Its final check then reads
 * EXITING_GUEST_MODE and it writes EXITING -> OUTSIDE.
 */
const EARLY_KICK_MS: readonly string[] = [
  "       CPU 0/KVM-957   [001]    79.436518: kvm_exit:             reason EXIT_INTR rip 0x1080 info 0 0",
  "       CPU 0/KVM-957   [001]    79.436552: kvm_vcpu_mode:        vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "      irq-inject-956   [000]    79.437697: kvm_make_request:     vcpu=0 req=KVM_REQ_EVENT nr=14 flags=0 site=svm_complete_interrupt_delivery+0x3e",
  "      irq-inject-956   [000]    79.437710: kvm_vcpu_kick:        vcpu=0 idx=0 mode=IN_GUEST_MODE action=ipi cpu=1 site=__apic_accept_irq+0x18a",
  "      irq-inject-956   [000]    79.437939: kvm_make_request:     vcpu=1 req=KVM_REQ_EVENT nr=14 flags=0 site=svm_complete_interrupt_delivery+0x3e",
  "      irq-inject-956   [000]    79.437942: kvm_vcpu_kick:        vcpu=1 idx=1 mode=OUTSIDE_GUEST_MODE action=none cpu=-1 site=__apic_accept_irq+0x18a",
  "       CPU 0/KVM-957   [001]    79.439583: kvm_vcpu_mode:        vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-957   [001]    79.439593: kvm_request_pending:  vcpu=0 pending=0x0000000000004000 mode=EXITING_GUEST_MODE work=0 exit=1",
  "       CPU 0/KVM-957   [001]    79.439597: kvm_vcpu_mode:        vcpu=0 old=EXITING_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 0/KVM-957   [001]    79.439706: kvm_check_request:    vcpu=0 req=KVM_REQ_EVENT nr=14 result=1",
  "       CPU 0/KVM-957   [001]    79.439731: kvm_vcpu_mode:        vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
  "       CPU 0/KVM-957   [001]    79.439733: kvm_request_pending:  vcpu=0 pending=0x0000000000000000 mode=IN_GUEST_MODE work=0 exit=0",
  "       CPU 0/KVM-957   [001]    79.439740: kvm_entry:             vcpu 0 rip 0x1080",
  "       CPU 0/KVM-957   [001]    79.439818: kvm_exit:             reason EXIT_MSR rip 0x1155 info 1 0",
  "       CPU 0/KVM-957   [001]    79.439828: kvm_vcpu_mode:        vcpu=0 old=IN_GUEST_MODE new=OUTSIDE_GUEST_MODE",
  "       CPU 0/KVM-957   [001]    79.439848: kvm_make_request:     vcpu=0 req=KVM_REQ_EVENT nr=14 flags=0 site=apic_set_eoi+0x147",
];

Deno.test("invalid-mode-transition: a kick line milliseconds before the vCPU's IN line (TCG)", async () => {
  const run = async (lines: readonly string[]) => {
    const r = await lintText("t.trace", "cpus=2\n" + lines.join("\n") + "\n");
    return r.findings.filter((f) => f.severity === "error").map((f) => `${f.ruleId}@${f.at.line}`);
  };
  assert.deepEqual(await run(EARLY_KICK_MS), []);
  // No kick of vCPU 0 at all: its EXITING -> OUTSIDE write has nothing behind it.
  const noKick = EARLY_KICK_MS.filter((l) => !l.includes("79.437710: kvm_vcpu_kick"));
  assert.deepEqual(await run(noKick), ["invalid-mode-transition@9"]);
});

/**
 * labbig's single-threaded-TCG recording (/work/big/big.trace around line
 * 1943358): a KVM_SET_CLOCK fan-out of KVM_REQ_MCLOCK_INPROGRESS (WAIT) kicks
 * both vCPUs with `cpu=1` (both threads last ran on host CPU 1): one
 * cpumask bit, one csd, one ack_kick on CPU 1 answers both IPIs.
 */
const ONE_ACK_TWO_IPIS: readonly string[] = [
  "           clock-1541  [000]   135.788819: kvm_make_all_cpus_request: req=KVM_REQ_MCLOCK_INPROGRESS nr=22 flags=WAIT|NO_WAKEUP mask=0x0000000000000003 phase=begin site=kvm_arch_vm_ioctl+0x78d",
  "           clock-1541  [000]   135.788838: kvm_make_request:     vcpu=0 req=KVM_REQ_MCLOCK_INPROGRESS nr=22 flags=WAIT|NO_WAKEUP site=kvm_make_all_cpus_request+0xc1",
  "           clock-1541  [000]   135.788843: kvm_vcpu_kick:        vcpu=0 idx=0 mode=IN_GUEST_MODE action=ipi cpu=1 site=kvm_arch_vm_ioctl+0x78d",
  "           clock-1541  [000]   135.794701: kvm_make_request:     vcpu=1 req=KVM_REQ_MCLOCK_INPROGRESS nr=22 flags=WAIT|NO_WAKEUP site=kvm_make_all_cpus_request+0xc1",
  "           clock-1541  [000]   135.794708: kvm_vcpu_kick:        vcpu=1 idx=1 mode=IN_GUEST_MODE action=ipi cpu=1 site=kvm_arch_vm_ioctl+0x78d",
  "           clock-1541  [000]   135.794792: csd_queue_cpu:        cpu=1 callsite=kvm_make_all_cpus_request+0x120 func=ack_kick csd=0xffff8881b9d3c280",
  "           clock-1541  [000]   135.794802: ipi_send_cpu:         cpu=1 callsite=kvm_make_all_cpus_request+0x120 callback=generic_smp_call_function_single_interrupt+0x0",
  "       CPU 1/KVM-1544  [001]   135.794839: csd_function_entry:   func=ack_kick, csd=0xffff8881b9d3c280",
  "       CPU 1/KVM-1544  [001]   135.794846: kvm_vcpu_ipi_ack:     vcpu=1 cpu=1",
  "           clock-1541  [000]   135.800395: kvm_make_all_cpus_request: req=KVM_REQ_MCLOCK_INPROGRESS nr=22 flags=WAIT|NO_WAKEUP mask=0x0000000000000003 phase=end site=kvm_arch_vm_ioctl+0x78d",
  "           clock-1541  [000]   135.800431: kvm_make_request:     vcpu=0 req=KVM_REQ_CLOCK_UPDATE nr=12 flags=0 site=kvm_end_pvclock_update+0x10d",
];

Deno.test("wait-unacknowledged: one ack_kick answers every IPI of the call that went to its CPU", async () => {
  const run = async (lines: readonly string[]) => {
    const r = await lintText("t.trace", "cpus=2\n" + lines.join("\n") + "\n");
    return r.findings.filter((f) => f.ruleId === "wait-unacknowledged").map((f) => f.at.line);
  };
  assert.deepEqual(await run(ONE_ACK_TWO_IPIS), []);
  // The acknowledgement after phase=end (M06's shape: the sender did not wait): both IPIs.
  const acks = ONE_ACK_TWO_IPIS.filter((l) => l.includes("ack_kick,") || l.includes("ipi_ack"));
  const late = ONE_ACK_TWO_IPIS.filter((l) => !acks.includes(l)).flatMap((l) =>
    l.includes("phase=end") ? [l, ...acks.map((a) => a.replace("135.7948", "135.8004"))] : [l]
  );
  assert.deepEqual(await run(late), [9, 9]);
});
