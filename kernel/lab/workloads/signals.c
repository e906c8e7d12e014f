// SPDX-License-Identifier: GPL-2.0
/*
 * signals.c - signals stop KVM_RUN; immediate_exit and KVM_SET_SIGNAL_MASK
 *
 * smp: 2
 *
 * Sections of Documentation/virt/kvm/vcpu-requests.rst it exercises:
 * "VCPU Kicks" (what is *not* a KVM kick: a signal to a vCPU thread forces
 * it out of guest mode through the scheduler's IPI, and wakes it from
 * kvm_vcpu_block() through signal_wake_up(), without any request; KVM_RUN
 * then returns EINTR: kvm_vcpu_check_block() and vcpu_run() in
 * arch/x86/kvm/x86.c), "VCPU Mode" (the vCPU leaves guest mode by itself
 * after the signal), and KVM_RUN's immediate_exit (Documentation/virt/kvm/
 * api.rst: KVM_RUN returns EINTR at once, without entering the guest).
 *
 * Two vCPUs, spinning and then halted, get signals from the main thread,
 * one at a time, in two styles: (1) as QEMU does today, the signal is not
 * blocked and its handler sets kvm_run->immediate_exit, so the next KVM_RUN
 * returns at once; (2) as QEMU did before, the vCPU thread blocks the signal
 * and KVM_SET_SIGNAL_MASK unblocks it during KVM_RUN only; after EINTR the
 * thread takes the pending signal with sigtimedwait().
 *
 * Checks: every signal was seen by its vCPU thread; KVM_RUN returned EINTR
 * at least once per signal; the guest kept running between signals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "lab_vm.h"

#define COUNT	lab_rounds(12)	/* deno task lab --rounds N */
#define SIG_IMMEDIATE	SIGUSR1
#define SIG_MASKED	SIGUSR2

static unsigned long seen[LAB_MAX_VCPUS];

static void on_immediate(int sig)
{
	(void)sig;
	if (lab_self) {
		lab_self->run->immediate_exit = 1;
		__atomic_add_fetch(&seen[lab_self->id], 1, __ATOMIC_RELEASE);
	}
}

/* Style 2: EINTR from KVM_RUN; take the signal KVM_SET_SIGNAL_MASK let in. */
static void eat_masked(struct lab_vcpu *v)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_MASKED);
	while (sigtimedwait(&set, NULL, &zero) == SIG_MASKED)
		__atomic_add_fetch(&seen[v->id], 1, __ATOMIC_RELEASE);
}

/* Blocks SIG_MASKED in the calling thread and lets KVM_RUN unblock it. */
static void masked_setup(struct lab_vcpu *v)
{
	struct {
		struct kvm_signal_mask m;
		u8 bytes[8];
	} mask;
	sigset_t set;

	memset(&mask, 0, sizeof(mask));
	pthread_sigmask(SIG_SETMASK, NULL, &set);
	sigdelset(&set, SIG_MASKED);
	mask.m.len = 8;
	memcpy(mask.m.sigset, &set, 8);
	if (ioctl(v->fd, KVM_SET_SIGNAL_MASK, &mask) < 0)
		lab_die("KVM_SET_SIGNAL_MASK");
	v->on_eintr = eat_masked;
}

static void signal_rounds(struct lab_vm *vm, int sig, int cmd, const char *how)
{
	unsigned long want, eintr;
	int i, j;

	for (i = 0; i < vm->nr; i++) {
		lab_command(vm, i, cmd, 0, 0, 0);
		lab_wait_taken(vm, i);
	}
	for (i = 0; i < vm->nr; i++) {
		struct lab_vcpu *v = &vm->vcpu[i];

		eintr = __atomic_load_n(&v->eintr, __ATOMIC_ACQUIRE);
		want = __atomic_load_n(&seen[i], __ATOMIC_ACQUIRE);
		for (j = 0; j < COUNT; j++) {
			want++;
			pthread_kill(v->thread, sig);
			while (__atomic_load_n(&seen[i], __ATOMIC_ACQUIRE) < want)
				lab_sleep_us(200);
		}
		lab_check(__atomic_load_n(&v->eintr, __ATOMIC_ACQUIRE) - eintr >= (unsigned long)COUNT,
			  "vCPU %d %s, %s: %d signals seen, KVM_RUN returned EINTR %lu times",
			  i, how, sig == SIG_IMMEDIATE ? "immediate_exit" : "KVM_SET_SIGNAL_MASK",
			  COUNT, __atomic_load_n(&v->eintr, __ATOMIC_ACQUIRE) - eintr);
	}
}

int main(void)
{
	struct sigaction sa;
	struct lab_vm vm;
	sigset_t set;
	u16 spins;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_immediate;
	sigaction(SIG_IMMEDIATE, &sa, NULL);
	/* vCPU threads inherit SIG_MASKED blocked */
	sigemptyset(&set);
	sigaddset(&set, SIG_MASKED);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	lab_vm_create(&vm, 2);
	for (i = 0; i < vm.nr; i++)
		masked_setup(&vm.vcpu[i]);
	lab_vm_start(&vm);
	signal_rounds(&vm, SIG_IMMEDIATE, LAB_CMD_SPIN, "spinning");
	spins = READ_ONCE(lab_mailbox(&vm, 0)->spins);
	for (i = 0; i < 5000 && READ_ONCE(lab_mailbox(&vm, 0)->spins) == spins; i++)
		lab_sleep_us(1000);
	lab_check(READ_ONCE(lab_mailbox(&vm, 0)->spins) != spins,
		  "vCPU 0 still runs its guest after the signals");
	signal_rounds(&vm, SIG_IMMEDIATE, LAB_CMD_HALT, "halted");
	signal_rounds(&vm, SIG_MASKED, LAB_CMD_SPIN, "spinning");
	signal_rounds(&vm, SIG_MASKED, LAB_CMD_HALT, "halted");
	lab_vm_finish(&vm);
	return lab_report("signals");
}
