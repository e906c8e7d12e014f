/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab_vm.h - the small VM library the lab's workloads share.
 *
 * Every workload runs the same guest (lab_guest.S): a real-mode agent, one
 * per vCPU, that switches its local APIC to x2APIC mode and then obeys the
 * commands the host posts in its mailbox (halt, spin, send IPIs, touch
 * memory, enable kvmclock, exit).  The host side here creates the VM with an
 * in-kernel irqchip (so HLT blocks in the kernel), one thread per vCPU named
 * "CPU N/KVM" (as QEMU names them), and posts commands; a posted command is
 * followed by an MSI (KVM_SIGNAL_MSI) so that a halted agent wakes up to
 * read it.
 */
#ifndef LAB_VM_H
#define LAB_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdnoreturn.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;

#define __printf(a, b)		__attribute__((__format__(printf, a, b)))

/*
 * The guest writes its mailbox while the host reads it (and the other way
 * round): every access is a single atomic load or store.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

#define LAB_MAX_VCPUS		8
#define LAB_MEM_SIZE		0x20000		/* slot 0: 128 KiB at GPA 0 */
#define LAB_CODE_GPA		0x1000		/* where lab_guest.S runs */
#define LAB_MAILBOX_GPA		0x500		/* struct lab_mailbox[LAB_MAX_VCPUS] */
#define LAB_PVCLOCK_GPA		0x700		/* 32 bytes of pvclock per vCPU */
#define LAB_STACK_TOP		0x8000		/* 512 bytes of stack per vCPU */
#define LAB_VECTOR		0x40		/* vector of MSIs and IPIs */
#define LAB_PIC_BASE		0x48		/* the PIC's IRQ 0 vector */
#define LAB_PIC_IRQ		5		/* the PIC line KVM_IRQ_LINE pulses */
#define LAB_PORT_EXIT		0xf4		/* outb here: the agent is done */

/* Commands of the guest agent (lab_guest.S). */
#define LAB_CMD_HALT		0	/* sti; hlt until a new command */
#define LAB_CMD_SPIN		1	/* spin with interrupts on until a new command */
#define LAB_CMD_IPI		2	/* arg0 IPIs to APIC ID arg1, one at a time */
#define LAB_CMD_SELF_IPI	3	/* arg0 IPIs through the SELF IPI register */
#define LAB_CMD_TOUCH		4	/* write arg2 into arg1 pages from segment arg0 */
#define LAB_CMD_KVMCLOCK	5	/* MSR_KVM_SYSTEM_TIME_NEW = arg0 | 1 */
#define LAB_CMD_PIC_INIT	6	/* program the 8259 PIC, unmask LAB_PIC_IRQ */
#define LAB_CMD_EXIT		7	/* outb to LAB_PORT_EXIT */

/*
 * One vCPU's mailbox in guest memory.  The host writes the arguments and
 * the command, then bumps seq; the agent copies seq to ack when it takes the
 * command and bumps done when a finite command is complete.  irqs counts the
 * interrupts the agent took at LAB_VECTOR, pic those at the PIC's vector.
 */
struct lab_mailbox {
	u16 cmd;
	u16 seq;
	u16 ack;
	u16 done;
	u16 irqs;
	u16 arg0;
	u16 arg1;
	u16 arg2;
	u16 spins;
	u16 pic;
	u16 pad[6];
};

struct lab_vm;

/* One vCPU and the thread that runs it. */
struct lab_vcpu {
	struct lab_vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	unsigned long entries;		/* KVM_RUN calls */
	unsigned long eintr;		/* KVM_RUN returns with EINTR */
	unsigned long mmio;		/* KVM_EXIT_MMIO exits */
	int exited;			/* the agent wrote LAB_PORT_EXIT */
	void (*on_eintr)(struct lab_vcpu *v);	/* called when KVM_RUN returns EINTR */
};

/* A VM with nr vCPUs and LAB_MEM_SIZE bytes of RAM in slot 0. */
struct lab_vm {
	int kvm;
	int fd;
	int nr;
	int run_size;			/* bytes of each vCPU's kvm_run mapping */
	u8 *mem;
	struct lab_vcpu vcpu[LAB_MAX_VCPUS];
};

extern const u8 lab_guest_start[], lab_guest_end[];

/* The calling vCPU thread's vCPU (NULL on other threads). */
extern __thread struct lab_vcpu *lab_self;

noreturn void lab_die(const char *fmt, ...) __printf(1, 2);
void lab_check(int ok, const char *fmt, ...) __printf(2, 3);
int lab_failures(void);
int lab_rounds(int dflt);
void lab_vm_create(struct lab_vm *vm, int nr);
void lab_vm_start(struct lab_vm *vm);
void lab_vm_finish(struct lab_vm *vm);
struct lab_mailbox *lab_mailbox(struct lab_vm *vm, int i);
void lab_post(struct lab_vm *vm, int i, int cmd, u16 a0, u16 a1, u16 a2);
void lab_command(struct lab_vm *vm, int i, int cmd, u16 a0, u16 a1, u16 a2);
void lab_wait_taken(struct lab_vm *vm, int i);
void lab_wait_done(struct lab_vm *vm, int i, u16 before);
void lab_wait_irqs(struct lab_vm *vm, int i, u16 count);
void lab_wait_pic(struct lab_vm *vm, int i, u16 count);
void lab_msi(struct lab_vm *vm, int dest, int vector);
void lab_irq_line(struct lab_vm *vm, int irq, int level);
void lab_set_slot(struct lab_vm *vm, int slot, u32 flags, u64 gpa,
		  u64 size, void *host);
void lab_sleep_us(long us);
int lab_report(const char *name);

#endif
