/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab_guest.S - the guest every lab workload runs: a real-mode agent, the
 * same code on every vCPU, loaded at LAB_CODE_GPA with CS = DS = ES = SS = 0.
 * The host starts each vCPU with %si = its mailbox (struct lab_mailbox in
 * lab_vm.h) and %sp = its stack.
 *
 * The agent switches its local APIC to x2APIC mode (so that IPIs are MSR
 * writes, which real mode can do), installs interrupt handlers for
 * LAB_VECTOR (MSIs and IPIs) and for the PIC's LAB_PIC_IRQ, then loops:
 * take the command in its mailbox, do it, wait for the next one.  Waiting is
 * either HLT with interrupts enabled (the vCPU blocks in the kernel's
 * kvm_vcpu_block(), as the in-kernel irqchip lets it) or a spin loop in guest
 * mode; the host decides which, so that kicks find the vCPU both ways.
 */
#define MB_CMD		0
#define MB_SEQ		2
#define MB_ACK		4
#define MB_DONE		6
#define MB_IRQS		8
#define MB_ARG0		10
#define MB_ARG1		12
#define MB_ARG2		14
#define MB_SPINS	16
#define MB_PIC		18
#define MB_SIZE		32

#define LAB_CODE_GPA	0x1000
#define LAB_MAILBOX_GPA	0x500
#define LAB_VECTOR	0x40
#define LAB_PIC_BASE	0x48
#define LAB_PIC_IRQ	5
#define LAB_PORT_EXIT	0xf4

#define LAB_CMD_SPIN		1
#define LAB_CMD_IPI		2
#define LAB_CMD_SELF_IPI	3
#define LAB_CMD_TOUCH		4
#define LAB_CMD_KVMCLOCK	5
#define LAB_CMD_PIC_INIT	6
#define LAB_CMD_EXIT		7

#define MSR_IA32_APICBASE	0x1b
#define MSR_X2APIC_EOI		0x80b
#define MSR_X2APIC_SVR		0x80f
#define MSR_X2APIC_ICR		0x830
#define MSR_X2APIC_SELF_IPI	0x83f
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

/* A label's guest address: the code runs at LAB_CODE_GPA. */
#define GPA(label)	((label) - lab_guest_start + LAB_CODE_GPA)

	.section .rodata.lab_guest, "a"
	.globl lab_guest_start, lab_guest_end
	.code16
lab_guest_start:
	cli
	/* interrupt vector table entries (real mode: offset, segment) */
	movw	$GPA(vector_handler), (LAB_VECTOR * 4)
	movw	$0, (LAB_VECTOR * 4 + 2)
	movw	$GPA(pic_handler), ((LAB_PIC_BASE + LAB_PIC_IRQ) * 4)
	movw	$0, ((LAB_PIC_BASE + LAB_PIC_IRQ) * 4 + 2)
	/* IA32_APIC_BASE |= EN | EXTD: x2APIC mode */
	movl	$MSR_IA32_APICBASE, %ecx
	rdmsr
	orl	$0xc00, %eax
	wrmsr
	/* spurious vector register: APIC software-enabled, vector 0xff */
	movl	$MSR_X2APIC_SVR, %ecx
	movl	$0x1ff, %eax
	xorl	%edx, %edx
	wrmsr

next:	/* take the command: ack = seq (seq is read before the command) */
	movw	MB_SEQ(%si), %ax
	movw	%ax, MB_ACK(%si)
	movw	MB_CMD(%si), %bx
	cmpw	$LAB_CMD_SPIN, %bx
	je	spin
	cmpw	$LAB_CMD_IPI, %bx
	je	ipi
	cmpw	$LAB_CMD_SELF_IPI, %bx
	je	self_ipi
	cmpw	$LAB_CMD_TOUCH, %bx
	je	touch
	cmpw	$LAB_CMD_KVMCLOCK, %bx
	je	kvmclock
	cmpw	$LAB_CMD_PIC_INIT, %bx
	je	pic_init
	cmpw	$LAB_CMD_EXIT, %bx
	je	exit
	/* LAB_CMD_HALT, and anything unknown */
halt:	/* sti's one-instruction shadow makes sti; hlt atomic */
	sti
	hlt
	cli
	movw	MB_SEQ(%si), %ax
	cmpw	MB_ACK(%si), %ax
	je	halt
	jmp	next

spin:	/* stay in guest mode, interrupts on, until the next command */
	sti
1:	incw	MB_SPINS(%si)
	pause
	movw	MB_SEQ(%si), %ax
	cmpw	MB_ACK(%si), %ax
	je	1b
	cli
	jmp	next

done:	/* a finite command is complete: tell the host, then wait halted */
	incw	MB_DONE(%si)
	jmp	halt

ipi:	/* arg0 fixed IPIs to APIC ID arg1, each sent once the last arrived */
	movw	MB_ARG0(%si), %cx
	movw	MB_ARG1(%si), %bx
	movw	%bx, %di
	shlw	$5, %di
	addw	$LAB_MAILBOX_GPA, %di	/* %di: the target's mailbox */
2:	jcxz	done
	pushw	%cx
	movw	MB_IRQS(%di), %bp
	movl	$MSR_X2APIC_ICR, %ecx
	movzwl	%bx, %edx		/* destination: x2APIC ID */
	movl	$LAB_VECTOR, %eax	/* fixed, physical, edge */
	wrmsr
	sti
3:	pause
	cmpw	MB_IRQS(%di), %bp
	je	3b
	cli
	popw	%cx
	decw	%cx
	jmp	2b

self_ipi:	/* arg0 IPIs to itself through the x2APIC SELF IPI register */
	movw	MB_ARG0(%si), %cx
4:	jcxz	done
	pushw	%cx
	movw	MB_IRQS(%si), %bp
	movl	$MSR_X2APIC_SELF_IPI, %ecx
	movl	$LAB_VECTOR, %eax
	xorl	%edx, %edx
	wrmsr
	sti
5:	cmpw	MB_IRQS(%si), %bp
	je	5b
	cli
	popw	%cx
	decw	%cx
	jmp	4b

touch:	/* write byte arg2 at the start of arg1 4 KiB pages from segment arg0 */
	movw	MB_ARG0(%si), %ax
	movw	MB_ARG1(%si), %cx
	movb	MB_ARG2(%si), %dl
6:	jcxz	7f
	movw	%ax, %es
	movb	%dl, %es:0
	addw	$0x100, %ax
	decw	%cx
	jmp	6b
7:	xorw	%ax, %ax
	movw	%ax, %es
	jmp	done

kvmclock:	/* MSR_KVM_SYSTEM_TIME_NEW = arg0 | enable */
	movl	$MSR_KVM_SYSTEM_TIME_NEW, %ecx
	movzwl	MB_ARG0(%si), %eax
	orl	$1, %eax
	xorl	%edx, %edx
	wrmsr
	jmp	done

pic_init:	/* 8259 master: ICW1-4, vectors from LAB_PIC_BASE; slave masked */
	movb	$0x11, %al
	outb	%al, $0x20
	movb	$LAB_PIC_BASE, %al
	outb	%al, $0x21
	movb	$0x04, %al
	outb	%al, $0x21
	movb	$0x01, %al
	outb	%al, $0x21
	movb	$~(1 << LAB_PIC_IRQ), %al
	outb	%al, $0x21
	movb	$0xff, %al
	outb	%al, $0xa1
	jmp	done

exit:	/* the host's vCPU thread returns when it sees this port */
	movb	$0, %al
	outb	%al, $LAB_PORT_EXIT
	jmp	halt

vector_handler:	/* LAB_VECTOR: count it, EOI the local APIC */
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	incw	MB_IRQS(%si)
	movl	$MSR_X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	popl	%edx
	popl	%ecx
	popl	%eax
	iret

pic_handler:	/* the PIC's LAB_PIC_IRQ (ExtINT through LINT0): count it, EOI the PIC */
	pushw	%ax
	incw	MB_PIC(%si)
	movb	$0x20, %al
	outb	%al, $0x20
	popw	%ax
	iret
lab_guest_end:
	.code64
	.section .note.GNU-stack, "", @progbits
