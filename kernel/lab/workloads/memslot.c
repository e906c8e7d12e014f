// SPDX-License-Identifier: GPL-2.0
/*
 * memslot.c - a memslot created, moved and deleted while vCPUs run and halt
 *
 * smp: 2
 *
 * Sections of Documentation/virt/kvm/vcpu-requests.rst it exercises:
 * "Request-less VCPU Kicks" (every memslot change kicks every vCPU without
 * a request: kvm_arch_memslots_updated() in arch/x86/kvm/x86.c), "Waiting
 * for Acknowledgements" and "KVM_REQUEST_NO_WAKEUP" (moving and deleting a
 * slot whose pages the guest mapped zaps them and flushes remote TLBs with
 * KVM_REQ_TLB_FLUSH, a WAIT | NO_WAKEUP request sent to all vCPUs by
 * kvm_flush_remote_tlbs() in virt/kvm/kvm_main.c), "VCPU Kicks" (kicks of a
 * halted and of a spinning vCPU 1).
 *
 * Two vCPUs; vCPU 1 halts in the first half of the rounds and spins in the
 * second.  Each round: create slot 1 (64 KiB) at GPA 0x40000, vCPU 0 writes
 * the first byte of its 16 pages (mapping them); move the slot to 0x50000,
 * vCPU 0 writes the pages there, then once at the old address (no slot
 * there: an MMIO exit to userspace); delete the slot.
 *
 * Checks: the guest's writes reach the slot's host memory at both addresses;
 * the write to the old address exits to userspace as MMIO.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lab_vm.h"

#define ROUNDS		lab_rounds(8)	/* deno task lab --rounds N */
#define SLOT		1
#define SLOT_PAGES	16
#define SLOT_SIZE	(SLOT_PAGES * 4096)
#define GPA_A		0x40000
#define GPA_B		0x50000

static void touch(struct lab_vm *vm, u64 gpa, int pages, u8 value)
{
	u16 done = READ_ONCE(lab_mailbox(vm, 0)->done);

	lab_command(vm, 0, LAB_CMD_TOUCH, gpa >> 4, pages, value);
	lab_wait_done(vm, 0, done);
}

static int all_pages(const u8 *mem, u8 value)
{
	int p;

	for (p = 0; p < SLOT_PAGES; p++)
		if (mem[p * 4096] != value)
			return 0;
	return 1;
}

int main(void)
{
	struct lab_vm vm;
	u8 *mem;
	unsigned long mmio;
	int r;

	mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		lab_die("mmap");
	lab_vm_create(&vm, 2);
	lab_vm_start(&vm);
	for (r = 0; r < ROUNDS; r++) {
		lab_command(&vm, 1, r < ROUNDS / 2 ? LAB_CMD_HALT : LAB_CMD_SPIN, 0, 0, 0);
		lab_wait_taken(&vm, 1);
		lab_set_slot(&vm, SLOT, 0, GPA_A, SLOT_SIZE, mem);
		touch(&vm, GPA_A, SLOT_PAGES, 0x10 + r);
		lab_check(all_pages(mem, 0x10 + r), "round %d: writes at 0x%x reach the slot",
			  r, GPA_A);
		lab_set_slot(&vm, SLOT, 0, GPA_B, SLOT_SIZE, mem);
		touch(&vm, GPA_B, SLOT_PAGES, 0x20 + r);
		lab_check(all_pages(mem, 0x20 + r), "round %d: moved, writes at 0x%x reach it",
			  r, GPA_B);
		mmio = __atomic_load_n(&vm.vcpu[0].mmio, __ATOMIC_ACQUIRE);
		touch(&vm, GPA_A, 1, 0x30 + r);
		lab_check(__atomic_load_n(&vm.vcpu[0].mmio, __ATOMIC_ACQUIRE) > mmio &&
			  mem[0] == 0x20 + r,
			  "round %d: a write at the old address exits as MMIO", r);
		lab_set_slot(&vm, SLOT, 0, GPA_B, 0, mem);
	}
	lab_vm_finish(&vm);
	return lab_report("memslot");
}
