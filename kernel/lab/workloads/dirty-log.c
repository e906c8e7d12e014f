// SPDX-License-Identifier: GPL-2.0
/*
 * dirty-log.c - dirty page logging read with KVM_GET_DIRTY_LOG and cleared with KVM_CLEAR_DIRTY_LOG
 *
 * smp: 2
 *
 * Sections of Documentation/virt/kvm/vcpu-requests.rst it exercises:
 * "Waiting for Acknowledgements" and "KVM_REQUEST_NO_WAKEUP" (reading the
 * log write-protects the dirty pages again and flushes remote TLBs:
 * KVM_REQ_TLB_FLUSH, WAIT | NO_WAKEUP, to all vCPUs from
 * kvm_flush_remote_tlbs_memslot(); in the manual-protect mode the flush
 * comes from KVM_CLEAR_DIRTY_LOG instead: kvm_get_dirty_log_protect() and
 * kvm_clear_dirty_log_protect() in virt/kvm/kvm_main.c), "VCPU Kicks" (the
 * flush kicks halted and spinning vCPUs: the halted one is not woken).
 *
 * Two VMs of two vCPUs in turn: the first reads its log the classic way
 * (KVM_GET_DIRTY_LOG clears and write-protects), the second enables
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 and clears with KVM_CLEAR_DIRTY_LOG.
 * Slot 1 holds 16 pages at GPA 0x40000 with KVM_MEM_LOG_DIRTY_PAGES.  Each
 * round vCPU 0 writes pages 0..n and vCPU 1 pages 8..8+n, in turn, while
 * the other one halts (even rounds) or spins (odd rounds); then the host
 * reads the log.
 *
 * Checks: each round's bitmap is exactly the pages written in that round.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "lab_vm.h"

#define ROUNDS		lab_rounds(8)	/* deno task lab --rounds N */
#define SLOT		1
#define SLOT_PAGES	16
#define SLOT_GPA	0x40000

static void touch(struct lab_vm *vm, int i, int first, int pages, u8 value)
{
	u16 done = READ_ONCE(lab_mailbox(vm, i)->done);

	lab_command(vm, i, LAB_CMD_TOUCH, (SLOT_GPA + first * 4096) >> 4, pages, value);
	lab_wait_done(vm, i, done);
}

static u64 get_log(struct lab_vm *vm)
{
	u64 bitmap[1] = { 0 };
	struct kvm_dirty_log log = { .slot = SLOT, .dirty_bitmap = bitmap };

	if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) < 0)
		lab_die("KVM_GET_DIRTY_LOG");
	return bitmap[0];
}

static void clear_log(struct lab_vm *vm, u64 bits)
{
	u64 bitmap[1] = { bits };
	struct kvm_clear_dirty_log c = {
		.slot = SLOT,
		.first_page = 0,
		.num_pages = SLOT_PAGES,
		.dirty_bitmap = bitmap,
	};

	if (ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &c) < 0)
		lab_die("KVM_CLEAR_DIRTY_LOG");
}

static void run_vm(int manual)
{
	const char *mode = manual ? "manual protect" : "classic";
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE },
	};
	struct lab_vm vm;
	u64 got, want;
	u8 *mem;
	int r, n;

	mem = mmap(NULL, SLOT_PAGES * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		lab_die("mmap");
	lab_vm_create(&vm, 2);
	if (manual && ioctl(vm.fd, KVM_ENABLE_CAP, &cap) < 0)
		lab_die("KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)");
	lab_set_slot(&vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES, SLOT_GPA, SLOT_PAGES * 4096, mem);
	lab_vm_start(&vm);
	for (r = 0; r < ROUNDS; r++) {
		n = 1 + r % 8;
		lab_command(&vm, 1, r % 2 ? LAB_CMD_SPIN : LAB_CMD_HALT, 0, 0, 0);
		lab_wait_taken(&vm, 1);
		touch(&vm, 0, 0, n, r);
		lab_command(&vm, 0, r % 2 ? LAB_CMD_SPIN : LAB_CMD_HALT, 0, 0, 0);
		lab_wait_taken(&vm, 0);
		touch(&vm, 1, 8, n, r);
		want = ((1ull << n) - 1) | (((1ull << n) - 1) << 8);
		got = get_log(&vm);
		if (manual)
			clear_log(&vm, got);
		lab_check(got == want, "%s round %d: dirty bitmap 0x%llx, expected 0x%llx",
			  mode, r, (unsigned long long)got, (unsigned long long)want);
	}
	lab_vm_finish(&vm);
	munmap(mem, SLOT_PAGES * 4096);
}

int main(void)
{
	run_vm(0);
	run_vm(1);
	return lab_report("dirty-log");
}
