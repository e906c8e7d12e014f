// SPDX-License-Identifier: GPL-2.0
/*
 * ipi.c - vCPUs send each other IPIs through the x2APIC ICR, and themselves
 *
 * smp: 2
 *
 * Sections of Documentation/virt/kvm/vcpu-requests.rst it exercises:
 * "VCPU Kicks" (the sender's vCPU thread kicks the target: it wakes a
 * target blocked in kvm_vcpu_block() and IPIs a target in guest mode),
 * "Ensuring Requests Are Seen" (KVM_REQ_EVENT before each kick:
 * kvm_x2apic_icr_write() -> kvm_apic_send_ipi() -> __apic_accept_irq() in
 * arch/x86/kvm/lapic.c), "VCPU Mode" (the target's mode decides the kick's
 * action), and the kick of a vCPU by itself (the SELF IPI register: the
 * kicker is the target's own thread, outside guest mode).
 *
 * Two vCPUs.  vCPU 0 sends IPIs to vCPU 1 while vCPU 1 is halted, then
 * while it spins in guest mode; vCPU 1 sends IPIs back to a halted vCPU 0;
 * each vCPU then sends IPIs to itself.  Each IPI is sent once the last one
 * was taken, so none coalesce.
 *
 * Checks: every IPI was taken by its target exactly once.
 */
#include <stdio.h>

#include "lab_vm.h"

#define COUNT	lab_rounds(24)	/* deno task lab --rounds N */

/* vCPU from sends COUNT IPIs to vCPU to, which waits with cmd. */
static void ipis(struct lab_vm *vm, int from, int to, int cmd, const char *how)
{
	struct lab_mailbox *target = lab_mailbox(vm, to);
	u16 done = READ_ONCE(lab_mailbox(vm, from)->done);
	/* a self-IPI command is delivered by one more interrupt: its MSI */
	int expect = COUNT + (from == to);
	u16 base;

	if (from != to) {
		lab_command(vm, to, cmd, 0, 0, 0);
		lab_wait_taken(vm, to);
	}
	base = READ_ONCE(target->irqs);
	lab_command(vm, from, from == to ? LAB_CMD_SELF_IPI : LAB_CMD_IPI, COUNT, to, 0);
	lab_wait_done(vm, from, done);
	lab_check((u16)(READ_ONCE(target->irqs) - base) == expect,
		  "vCPU %d -> vCPU %d %s: %d IPIs sent, %d interrupts taken (expected %d)",
		  from, to, how, COUNT, (u16)(READ_ONCE(target->irqs) - base), expect);
}

int main(void)
{
	struct lab_vm vm;

	lab_vm_create(&vm, 2);
	lab_vm_start(&vm);
	ipis(&vm, 0, 1, LAB_CMD_HALT, "halted");
	ipis(&vm, 0, 1, LAB_CMD_SPIN, "spinning");
	ipis(&vm, 1, 0, LAB_CMD_HALT, "halted");
	ipis(&vm, 0, 0, LAB_CMD_HALT, "self");
	ipis(&vm, 1, 1, LAB_CMD_HALT, "self");
	lab_vm_finish(&vm);
	return lab_report("ipi");
}
