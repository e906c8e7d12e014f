// SPDX-License-Identifier: GPL-2.0
/*
 * irq-inject.c - KVM_SIGNAL_MSI and KVM_IRQ_LINE kick halted and running vCPUs
 *
 * smp: 2
 *
 * Sections of Documentation/virt/kvm/vcpu-requests.rst it exercises:
 * "VCPU Kicks" (a kick wakes a vCPU blocked in kvm_vcpu_block() and sends an
 * IPI to one in guest mode), "Ensuring Requests Are Seen" (each injection
 * makes KVM_REQ_EVENT before it kicks: __apic_accept_irq() in
 * arch/x86/kvm/lapic.c, pic_unlock() in arch/x86/kvm/i8259.c), "IPI
 * Reduction" (bursts of MSIs at a vCPU in guest mode: a kick that finds it
 * already EXITING_GUEST_MODE sends no second IPI).
 *
 * Two vCPUs.  Each phase sends MSIs to both vCPUs, one at a time, waiting
 * until the guest's handler counted each: first with both halted (every MSI
 * wakes a blocked vCPU), then with both spinning in guest mode (every MSI is
 * an IPI to a running vCPU), then in bursts without waiting.  Last, vCPU 0
 * programs the 8259 PIC and KVM_IRQ_LINE pulses its line 5, delivered as
 * ExtINT through LINT0, with vCPU 0 halted and then spinning.
 *
 * Checks: every MSI and every PIC interrupt was taken by the guest, once.
 */
#include <stdio.h>

#include "lab_vm.h"

#define ROUNDS	lab_rounds(16)	/* deno task lab --rounds N */
#define BURST	8

static void msi_rounds(struct lab_vm *vm, int cmd, const char *how)
{
	int i, j;

	for (i = 0; i < vm->nr; i++) {
		lab_command(vm, i, cmd, 0, 0, 0);
		lab_wait_taken(vm, i);
	}
	for (i = 0; i < vm->nr; i++) {
		struct lab_mailbox *mb = lab_mailbox(vm, i);
		u16 base = READ_ONCE(mb->irqs);

		for (j = 1; j <= ROUNDS; j++) {
			lab_msi(vm, i, LAB_VECTOR);
			lab_wait_irqs(vm, i, base + j);
		}
		lab_check(READ_ONCE(mb->irqs) == (u16)(base + ROUNDS),
			  "vCPU %d %s: %d MSIs taken one by one", i, how, ROUNDS);
	}
}

static void msi_bursts(struct lab_vm *vm)
{
	int i, j, got;

	for (i = 0; i < vm->nr; i++) {
		struct lab_mailbox *mb = lab_mailbox(vm, i);
		u16 base = READ_ONCE(mb->irqs);

		for (j = 0; j < BURST; j++)
			lab_msi(vm, i, LAB_VECTOR);
		lab_wait_irqs(vm, i, base + 1);
		lab_sleep_us(20000);
		/* MSIs at one vector coalesce while the first is pending in IRR. */
		got = (u16)(READ_ONCE(mb->irqs) - base);
		lab_check(got >= 1 && got <= BURST,
			  "vCPU %d spinning: a burst of %d MSIs gave %d interrupts", i, BURST, got);
	}
}

static void pic_rounds(struct lab_vm *vm, int cmd, const char *how)
{
	struct lab_mailbox *mb = lab_mailbox(vm, 0);
	u16 base;
	int j;

	lab_command(vm, 0, cmd, 0, 0, 0);
	lab_wait_taken(vm, 0);
	base = READ_ONCE(mb->pic);
	for (j = 1; j <= ROUNDS; j++) {
		lab_irq_line(vm, LAB_PIC_IRQ, 1);
		lab_irq_line(vm, LAB_PIC_IRQ, 0);
		lab_wait_pic(vm, 0, base + j);
	}
	lab_check(READ_ONCE(mb->pic) == (u16)(base + ROUNDS),
		  "vCPU 0 %s: %d KVM_IRQ_LINE pulses taken from the PIC", how, ROUNDS);
}

int main(void)
{
	struct lab_vm vm;
	u16 done;

	lab_vm_create(&vm, 2);
	lab_vm_start(&vm);
	msi_rounds(&vm, LAB_CMD_HALT, "halted");
	msi_rounds(&vm, LAB_CMD_SPIN, "spinning");
	msi_bursts(&vm);
	done = READ_ONCE(lab_mailbox(&vm, 0)->done);
	lab_command(&vm, 0, LAB_CMD_PIC_INIT, 0, 0, 0);
	lab_wait_done(&vm, 0, done);
	pic_rounds(&vm, LAB_CMD_HALT, "halted");
	pic_rounds(&vm, LAB_CMD_SPIN, "spinning");
	lab_vm_finish(&vm);
	return lab_report("irq-inject");
}
