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
  // The same kick reading OUTSIDE_GUEST_MODE and doing nothing while vCPU 1 sleeps (M08's
  // shape: kvm_vcpu_kick() without its kvm_vcpu_wake_up()) is a lost wakeup.
  const lost = LATE_KICK_WHILE_BLOCKED.map((l) =>
    l.includes("9.185888: kvm_vcpu_kick")
      ? l.replace(
        "mode=IN_GUEST_MODE action=ipi cpu=0",
        "mode=OUTSIDE_GUEST_MODE action=none cpu=-1",
      )
      : l
  ).filter((l) => !l.includes("9.185969: ipi_send_cpu"));
  assert.deepEqual(await findings(lost), ["lost-wakeup@33"]);
});
