// SPDX-License-Identifier: GPL-2.0
/*
 * clock.c - kvmclock enabled by the guest, KVM_SET_CLOCK from the host
 *
 * smp: 2
 *
 * Sections of Documentation/virt/kvm/vcpu-requests.rst it exercises:
 * "VCPU Request Internals" and "Ensuring Requests Are Seen" (the guest's
 * write of MSR_KVM_SYSTEM_TIME_NEW makes KVM_REQ_GLOBAL_CLOCK_UPDATE of its
 * own vCPU: kvm_write_system_time() in arch/x86/kvm/x86.c), "Waiting for
 * Acknowledgements" and "KVM_REQUEST_NO_WAKEUP" (KVM_SET_CLOCK makes
 * KVM_REQ_MCLOCK_INPROGRESS of all vCPUs, WAIT | NO_WAKEUP:
 * kvm_make_mclock_inprogress_request()), and requests made and cleared by
 * another thread without a kick (kvm_end_pvclock_update() makes
 * KVM_REQ_CLOCK_UPDATE of every vCPU and clears KVM_REQ_MCLOCK_INPROGRESS).
 *
 * Two vCPUs enable kvmclock, then the host reads and sets the VM's clock
 * (each time a second ahead) while both vCPUs halt, then while both spin.
 *
 * Checks: each vCPU's pvclock structure was written by KVM (even, non-zero
 * version; the enable bit took), KVM_GET_CLOCK after KVM_SET_CLOCK reads
 * the value set or later, and the guest's clock moved forward.
 */
#include <assert.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "lab_vm.h"

#define ROUNDS	lab_rounds(4)	/* deno task lab --rounds N */
#define SECOND	1000000000ull

/* struct pvclock_vcpu_time_info (arch/x86/include/asm/pvclock-abi.h) */
struct pvclock {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags;
	u8 pad[2];
};

static_assert(sizeof(struct pvclock) == 32, "pvclock_vcpu_time_info is 32 bytes");

static struct pvclock *pvclock(struct lab_vm *vm, int i)
{
	return (struct pvclock *)(vm->mem + LAB_PVCLOCK_GPA + 32 * i);
}

static u64 get_clock(struct lab_vm *vm)
{
	struct kvm_clock_data d = { 0 };

	if (ioctl(vm->fd, KVM_GET_CLOCK, &d) < 0)
		lab_die("KVM_GET_CLOCK");
	return d.clock;
}

static void set_clock(struct lab_vm *vm, u64 clock)
{
	struct kvm_clock_data d = { .clock = clock };

	if (ioctl(vm->fd, KVM_SET_CLOCK, &d) < 0)
		lab_die("KVM_SET_CLOCK");
}

static void rounds(struct lab_vm *vm, int cmd, const char *how)
{
	u64 before, set, got;
	int i, r, ok = 1;

	for (i = 0; i < vm->nr; i++) {
		lab_command(vm, i, cmd, 0, 0, 0);
		lab_wait_taken(vm, i);
	}
	before = get_clock(vm);
	for (r = 0; r < ROUNDS; r++) {
		set = get_clock(vm) + SECOND;
		set_clock(vm, set);
		got = get_clock(vm);
		if (got < set)
			ok = 0;
		lab_sleep_us(2000);
	}
	lab_check(ok, "vCPUs %s: after each of %d KVM_SET_CLOCK, KVM_GET_CLOCK read it or later",
		  how, ROUNDS);
	lab_check(get_clock(vm) >= before + ROUNDS * SECOND,
		  "vCPUs %s: the VM's clock moved %d s ahead", how, ROUNDS);
}

int main(void)
{
	struct lab_vm vm;
	u16 done;
	int i;

	lab_vm_create(&vm, 2);
	lab_vm_start(&vm);
	for (i = 0; i < vm.nr; i++) {
		done = READ_ONCE(lab_mailbox(&vm, i)->done);
		lab_command(&vm, i, LAB_CMD_KVMCLOCK, LAB_PVCLOCK_GPA + 32 * i, 0, 0);
		lab_wait_done(&vm, i, done);
	}
	rounds(&vm, LAB_CMD_HALT, "halted");
	rounds(&vm, LAB_CMD_SPIN, "spinning");
	/* a last command makes both vCPUs enter and so update their pvclock */
	for (i = 0; i < vm.nr; i++) {
		lab_command(&vm, i, LAB_CMD_HALT, 0, 0, 0);
		lab_wait_taken(&vm, i);
	}
	for (i = 0; i < vm.nr; i++) {
		struct pvclock *pv = pvclock(&vm, i);

		u32 version = READ_ONCE(pv->version);
		u64 system_time = READ_ONCE(pv->system_time);

		lab_check(version != 0 && !(version & 1) && READ_ONCE(pv->tsc_to_system_mul) != 0,
			  "vCPU %d: KVM wrote its pvclock (version %u, system_time %llu ns)",
			  i, version, (unsigned long long)system_time);
		lab_check(system_time >= 2ull * ROUNDS * SECOND,
			  "vCPU %d: its kvmclock includes the %d s the host set ahead",
			  i, 2 * ROUNDS);
	}
	lab_vm_finish(&vm);
	return lab_report("clock");
}
