// SPDX-License-Identifier: GPL-2.0
/*
 * shadow-mmu.c - shadow paging (kvm_amd npt=0): page faults walk the shadow page tables locklessly
 *
 * smp: 2
 * kvm_amd: npt=0
 *
 * Sections of Documentation/virt/kvm/vcpu-requests.rst it exercises:
 * "VCPU Mode" and "Waiting for Acknowledgements" (without NPT, KVM
 * shadows the guest's memory: a vCPU handling a page fault walks the shadow
 * page tables with interrupts off and vcpu->mode READING_SHADOW_PAGE_TABLES,
 * walk_shadow_page_lockless_begin() in arch/x86/kvm/mmu/mmu.c, and a WAIT
 * request such as KVM_REQ_TLB_FLUSH must IPI it and wait, so that the pages
 * it walks are not freed under it), "KVM_REQUEST_NO_WAKEUP" (the flushes
 * do not wake a halted vCPU), "Request-less VCPU Kicks" (the memslot
 * changes).
 *
 * Two vCPUs write 32 pages of a dirty-logged slot at once, while the host
 * reads the dirty log again and again (each read write-protects the pages
 * and flushes TLBs, so the vCPUs fault and walk again); every other round
 * the slot is deleted and created again (all its shadow pages are zapped).
 *
 * Checks: every page each round wrote is in the union of that round's
 * dirty bitmaps, and the slot's memory holds what the guest wrote.
 */
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "lab_vm.h"

#define ROUNDS		lab_rounds(8)	/* deno task lab --rounds N */
#define SLOT		1
#define SLOT_PAGES	32
#define SLOT_GPA	0x40000

static u64 get_log(struct lab_vm *vm)
{
	u64 bitmap[1] = { 0 };
	struct kvm_dirty_log log = { .slot = SLOT, .dirty_bitmap = bitmap };

	if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) < 0)
		lab_die("KVM_GET_DIRTY_LOG");
	return bitmap[0];
}

static int pages_hold(const u8 *mem, u8 value)
{
	int p;

	for (p = 0; p < SLOT_PAGES; p++)
		if (mem[p * 4096] != value)
			return 0;
	return 1;
}

int main(void)
{
	const u64 all = (1ull << SLOT_PAGES) - 1;
	u16 done0, done1;
	struct lab_vm vm;
	u64 seen;
	u8 *mem;
	int r, reads;

	mem = mmap(NULL, SLOT_PAGES * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		lab_die("mmap");
	lab_vm_create(&vm, 2);
	lab_set_slot(&vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES, SLOT_GPA, SLOT_PAGES * 4096, mem);
	lab_vm_start(&vm);
	for (r = 0; r < ROUNDS; r++) {
		if (r % 2 == 1) {
			lab_set_slot(&vm, SLOT, 0, SLOT_GPA, 0, mem);
			lab_set_slot(&vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES, SLOT_GPA,
				     SLOT_PAGES * 4096, mem);
		}
		get_log(&vm);	/* start the round with an empty log */
		seen = 0;
		done0 = READ_ONCE(lab_mailbox(&vm, 0)->done);
		done1 = READ_ONCE(lab_mailbox(&vm, 1)->done);
		lab_command(&vm, 0, LAB_CMD_TOUCH, SLOT_GPA >> 4, SLOT_PAGES / 2, 0x40 + r);
		lab_command(&vm, 1, LAB_CMD_TOUCH, (SLOT_GPA + SLOT_PAGES / 2 * 4096) >> 4,
			    SLOT_PAGES / 2, 0x40 + r);
		reads = 0;
		while (READ_ONCE(lab_mailbox(&vm, 0)->done) == done0 ||
		       READ_ONCE(lab_mailbox(&vm, 1)->done) == done1) {
			seen |= get_log(&vm);
			reads++;
			lab_sleep_us(300);
		}
		seen |= get_log(&vm);
		lab_check(seen == all && pages_hold(mem, 0x40 + r),
			  "round %d: %d dirty-log reads while both vCPUs wrote; bitmap 0x%llx",
			  r, reads + 1, (unsigned long long)seen);
	}
	lab_vm_finish(&vm);
	return lab_report("shadow-mmu");
}
