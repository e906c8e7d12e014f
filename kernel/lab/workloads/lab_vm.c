// SPDX-License-Identifier: GPL-2.0
/*
 * lab_vm.c - the host side of the lab's workloads: a VM with an in-kernel
 * irqchip, one thread per vCPU, and the mailbox protocol of lab_guest.S.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lab_vm.h"

/* How long a wait for the guest may take before the workload fails (TCG is slow). */
#define LAB_WAIT_MS	60000

__thread struct lab_vcpu *lab_self;
static int failures;

void lab_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, ap);
	if (errno)
		fprintf(stderr, " (%s)", strerror(errno));
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* Records a failed expectation; the workload exits 1 at the end. */
void lab_check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("%s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!ok)
		failures++;
}

int lab_failures(void)
{
	return failures;
}

/*
 * How many times a workload repeats its main loop: LAB_ROUNDS from the
 * environment (deno task lab --rounds N; a small trace.dat fixture, a long
 * benchmark recording), else the workload's own default.
 */
int lab_rounds(int dflt)
{
	static int rounds = -1;
	const char *env;
	char *end;
	long v;

	if (rounds >= 0)
		return rounds ? rounds : dflt;
	rounds = 0;
	env = getenv("LAB_ROUNDS");
	if (!env || !*env)
		return dflt;
	v = strtol(env, &end, 10);
	if (*end || v < 1 || v > 30000)
		lab_die("LAB_ROUNDS=%s: expected a count from 1 to 30000", env);
	rounds = (int)v;
	return rounds;
}

static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR && req != KVM_RUN);
	if (r < 0)
		lab_die("%s", what);
	return r;
}

void lab_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void lab_set_slot(struct lab_vm *vm, int slot, u32 flags, u64 gpa,
		  u64 size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	xioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r, "KVM_SET_USER_MEMORY_REGION");
}

/* The CPUID KVM supports, which includes x2APIC (KVM emulates it). */
static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
	struct kvm_cpuid2 *c;
	int n = 128;

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	if (!c)
		lab_die("calloc");
	c->nent = n;
	xioctl(kvm, KVM_GET_SUPPORTED_CPUID, c, "KVM_GET_SUPPORTED_CPUID");
	return c;
}

static void vcpu_create(struct lab_vm *vm, int i, struct kvm_cpuid2 *cpuid, int run_size)
{
	struct lab_vcpu *v = &vm->vcpu[i];
	struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	v->vm = vm;
	v->id = i;
	v->fd = xioctl(vm->fd, KVM_CREATE_VCPU, (void *)(long)i, "KVM_CREATE_VCPU");
	v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		lab_die("mmap kvm_run");
	xioctl(v->fd, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
	/*
	 * With an in-kernel irqchip an AP starts UNINITIALIZED, waiting for
	 * INIT/SIPI (kvm_arch_vcpu_create()); start it directly instead.
	 */
	xioctl(v->fd, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE");
	xioctl(v->fd, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	sregs.es.base = 0;
	sregs.es.selector = 0;
	sregs.ss.base = 0;
	sregs.ss.selector = 0;
	xioctl(v->fd, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = LAB_CODE_GPA;
	regs.rflags = 2;
	regs.rsi = LAB_MAILBOX_GPA + i * sizeof(struct lab_mailbox);
	regs.rsp = LAB_STACK_TOP - i * 0x200;
	xioctl(v->fd, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

/*
 * A VM with nr vCPUs: slot 0 holds LAB_MEM_SIZE bytes at GPA 0 with the
 * agent at LAB_CODE_GPA; KVM_CREATE_IRQCHIP gives it a PIC, an IOAPIC and a
 * local APIC per vCPU in the kernel.
 */
void lab_vm_create(struct lab_vm *vm, int nr)
{
	struct kvm_cpuid2 *cpuid;
	int run_size, i;

	if (nr < 1 || nr > LAB_MAX_VCPUS)
		lab_die("bad vCPU count %d", nr);
	memset(vm, 0, sizeof(*vm));
	vm->nr = nr;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		lab_die("open /dev/kvm");
	vm->fd = xioctl(vm->kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	vm->mem = mmap(NULL, LAB_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		lab_die("mmap guest memory");
	memcpy(vm->mem + LAB_CODE_GPA, lab_guest_start, lab_guest_end - lab_guest_start);
	lab_set_slot(vm, 0, 0, 0, LAB_MEM_SIZE, vm->mem);
	xioctl(vm->fd, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
	run_size = xioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = run_size;
	cpuid = supported_cpuid(vm->kvm);
	for (i = 0; i < nr; i++)
		vcpu_create(vm, i, cpuid, run_size);
	free(cpuid);
}

struct lab_mailbox *lab_mailbox(struct lab_vm *vm, int i)
{
	return (struct lab_mailbox *)(vm->mem + LAB_MAILBOX_GPA) + i;
}

/*
 * The vCPU thread: KVM_RUN until the agent writes LAB_PORT_EXIT.  EINTR
 * (a signal, or immediate_exit set) and MMIO exits (accesses to memory no
 * slot holds) go back into the guest.
 */
static void *vcpu_thread(void *arg)
{
	struct lab_vcpu *v = arg;
	struct kvm_run *run = v->run;

	int immediate;

	lab_self = v;
	for (;;) {
		v->entries++;
		/* a signal handler may set immediate_exit at any time */
		immediate = __atomic_load_n(&run->immediate_exit, __ATOMIC_ACQUIRE);
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				lab_die("KVM_RUN on vCPU %d", v->id);
			__atomic_add_fetch(&v->eintr, 1, __ATOMIC_RELEASE);
			if (v->on_eintr)
				v->on_eintr(v);
			/* KVM_RUN returned at once because of it: clear it */
			if (immediate)
				run->immediate_exit = 0;
			continue;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == LAB_PORT_EXIT) {
				__atomic_store_n(&v->exited, 1, __ATOMIC_RELEASE);
				return NULL;
			}
			lab_die("vCPU %d: unexpected port 0x%x", v->id, run->io.port);
		case KVM_EXIT_MMIO:
			__atomic_add_fetch(&v->mmio, 1, __ATOMIC_RELEASE);
			break;
		case KVM_EXIT_INTR:
			__atomic_add_fetch(&v->eintr, 1, __ATOMIC_RELEASE);
			break;
		default:
			errno = 0;
			lab_die("vCPU %d: exit reason %u", v->id, run->exit_reason);
		}
	}
}

/* Starts one thread per vCPU, named as QEMU names its vCPU threads. */
void lab_vm_start(struct lab_vm *vm)
{
	char name[32];
	int i;

	for (i = 0; i < vm->nr; i++) {
		errno = pthread_create(&vm->vcpu[i].thread, NULL, vcpu_thread, &vm->vcpu[i]);
		if (errno)
			lab_die("pthread_create");
		snprintf(name, sizeof(name), "CPU %d/KVM", i);
		pthread_setname_np(vm->vcpu[i].thread, name);
	}
}

/* Posts a command: arguments and command first, then seq (x86 keeps the order). */
void lab_post(struct lab_vm *vm, int i, int cmd, u16 a0, u16 a1, u16 a2)
{
	struct lab_mailbox *mb = lab_mailbox(vm, i);

	WRITE_ONCE(mb->arg0, a0);
	WRITE_ONCE(mb->arg1, a1);
	WRITE_ONCE(mb->arg2, a2);
	WRITE_ONCE(mb->cmd, cmd);
	WRITE_ONCE(mb->seq, READ_ONCE(mb->seq) + 1);
}

/* Posts a command and wakes the agent with an MSI in case it is halted. */
void lab_command(struct lab_vm *vm, int i, int cmd, u16 a0, u16 a1, u16 a2)
{
	lab_post(vm, i, cmd, a0, a1, a2);
	lab_msi(vm, i, LAB_VECTOR);
}

static void wait_for(struct lab_vm *vm, int i, const char *what,
		     int (*cond)(struct lab_mailbox *, unsigned int), unsigned int arg)
{
	struct lab_mailbox *mb = lab_mailbox(vm, i);
	long deadline = now_ms() + LAB_WAIT_MS;

	while (!cond(mb, arg)) {
		if (now_ms() > deadline) {
			errno = 0;
			lab_die("vCPU %d: timeout: %s (cmd %u seq %u ack %u done %u irqs %u)",
				i, what, READ_ONCE(mb->cmd), READ_ONCE(mb->seq), READ_ONCE(mb->ack),
				READ_ONCE(mb->done), READ_ONCE(mb->irqs));
		}
		lab_sleep_us(200);
	}
}

static int taken(struct lab_mailbox *mb, unsigned int unused)
{
	(void)unused;
	return READ_ONCE(mb->ack) == READ_ONCE(mb->seq);
}

static int done_moved(struct lab_mailbox *mb, unsigned int before)
{
	return READ_ONCE(mb->done) != (u16)before;
}

static int irqs_reached(struct lab_mailbox *mb, unsigned int count)
{
	return (u16)(READ_ONCE(mb->irqs) - count) < 0x8000;
}

/* Waits until the agent took the last command. */
void lab_wait_taken(struct lab_vm *vm, int i)
{
	wait_for(vm, i, "the command to be taken", taken, 0);
}

/* Waits until the agent completed a finite command (done moved from before). */
void lab_wait_done(struct lab_vm *vm, int i, u16 before)
{
	wait_for(vm, i, "the command to complete", done_moved, before);
}

/* Waits until the agent counted count interrupts at LAB_VECTOR. */
void lab_wait_irqs(struct lab_vm *vm, int i, u16 count)
{
	wait_for(vm, i, "interrupts", irqs_reached, count);
}

static int pic_reached(struct lab_mailbox *mb, unsigned int count)
{
	return (u16)(READ_ONCE(mb->pic) - count) < 0x8000;
}

/* Waits until the agent counted count interrupts from the PIC. */
void lab_wait_pic(struct lab_vm *vm, int i, u16 count)
{
	wait_for(vm, i, "PIC interrupts", pic_reached, count);
}

/* KVM_SIGNAL_MSI: a fixed, edge-triggered MSI to APIC ID dest. */
void lab_msi(struct lab_vm *vm, int dest, int vector)
{
	struct kvm_msi msi = {
		.address_lo = 0xfee00000u | (dest << 12),
		.data = vector,
	};

	xioctl(vm->fd, KVM_SIGNAL_MSI, &msi, "KVM_SIGNAL_MSI");
}

/* KVM_IRQ_LINE: set an interrupt line of the PIC and IOAPIC. */
void lab_irq_line(struct lab_vm *vm, int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	xioctl(vm->fd, KVM_IRQ_LINE, &l, "KVM_IRQ_LINE");
}

/*
 * Tells every agent to exit, joins the vCPU threads and closes the VM: with
 * its last file and mapping gone, KVM destroys it (kvm_destroy_vm()) before
 * this returns, so a workload's next VM never lives beside it.
 */
void lab_vm_finish(struct lab_vm *vm)
{
	int i;

	for (i = 0; i < vm->nr; i++)
		lab_command(vm, i, LAB_CMD_EXIT, 0, 0, 0);
	for (i = 0; i < vm->nr; i++) {
		pthread_join(vm->vcpu[i].thread, NULL);
		/* all of the mapping: a page left mapped keeps the vCPU, and so the VM, alive */
		munmap(vm->vcpu[i].run, vm->run_size);
		close(vm->vcpu[i].fd);
	}
	close(vm->fd);
	close(vm->kvm);
	munmap(vm->mem, LAB_MEM_SIZE);
}

/* Prints the verdict line the lab's /init looks for; returns the exit code. */
int lab_report(const char *name)
{
	printf("%s: %s (%d failed checks)\n", name, failures ? "FAILED" : "passed", failures);
	fflush(stdout);
	return failures ? 1 : 0;
}
