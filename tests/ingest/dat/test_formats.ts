/**
 * Event format descriptions for synthetic trace.dat files: copies of the
 * kernel's sched, ipi, csd, kvm and ftrace formats (offsets computed for
 * the pointer size), kvmreq's protocol events, and stress formats that
 * exercise print-format features and libtraceevent quirks.
 *
 * @module
 */

const COMMON = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" +
  "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" +
  "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" +
  "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n";

/** A field: declaration (`char comm[16]`), size, alignment, signedness. */
type F = [decl: string, size: number, align: number, signed: 0 | 1];

/** Builds a format file with naturally aligned fields after the common ones. */
export function format(name: string, id: number, fields: F[], printFmt: string): string {
  let off = 8;
  let text = `name: ${name}\nID: ${id}\nformat:\n${COMMON}\n`;
  for (const [decl, size, align, signed] of fields) {
    off = Math.ceil(off / align) * align;
    text += `\tfield:${decl};\toffset:${off};\tsize:${size};\tsigned:${signed};\n`;
    off += size;
  }
  return text + `\nprint fmt: ${printFmt}\n`;
}

/** Formats grouped by system, for a kernel whose long and pointers are `L` bytes. */
export function testFormats(
  L: 4 | 8,
): { ftrace: string[]; systems: { name: string; formats: string[] }[] } {
  const ptr = (n: string): F => [`void * ${n}`, L, L, 0];
  const ulong = (n: string): F => [`unsigned long ${n}`, L, L, 0];
  const comm = (n: string): F => [`char ${n}[16]`, 16, 1, 0];
  const i32 = (n: string, t = "int"): F => [`${t} ${n}`, 4, 4, 1];
  const u32 = (n: string, t = "unsigned int"): F => [`${t} ${n}`, 4, 4, 0];
  const u64 = (n: string, t = "u64"): F => [`${t} ${n}`, 8, 8, 0];
  const state =
    "(((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1)";
  return {
    ftrace: [
      format(
        "function",
        1,
        [ulong("ip"), ulong("parent_ip")],
        `" %ps <-- %ps", (void *)REC->ip, (void *)REC->parent_ip`,
      ),
      format(
        "kernel_stack",
        4,
        [i32("size"), [`unsigned long caller[8]`, 8 * L, L, 0]],
        `"\\t=> %ps\\n\\t=> %ps\\n", (void *)REC->caller[0], (void *)REC->caller[1]`,
      ),
    ],
    systems: [
      {
        name: "sched",
        formats: [
          format(
            "sched_switch",
            300,
            [
              comm("prev_comm"),
              i32("prev_pid", "pid_t"),
              i32("prev_prio"),
              [`long prev_state`, L, L, 1],
              comm("next_comm"),
              i32("next_pid", "pid_t"),
              i32("next_prio"),
            ],
            `"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, (REC->prev_state & (${state})) ? __print_flags(REC->prev_state & (${state}), "|", { 0x00000001, "S" }, { 0x00000002, "D" }, { 0x00000004, "T" }, { 0x00000008, "t" }, { 0x00000010, "X" }, { 0x00000020, "Z" }, { 0x00000040, "P" }, { 0x00000080, "I" }) : "R", REC->prev_state & (((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) ? "+" : "", REC->next_comm, REC->next_pid, REC->next_prio`,
          ),
          format(
            "sched_waking",
            301,
            [comm("comm"), i32("pid", "pid_t"), i32("prio"), i32("target_cpu")],
            `"comm=%s pid=%d prio=%d target_cpu=%03d", REC->comm, REC->pid, REC->prio, REC->target_cpu`,
          ),
          format(
            "sched_wakeup",
            302,
            [comm("comm"), i32("pid", "pid_t"), i32("prio"), i32("target_cpu")],
            `"comm=%s pid=%d prio=%d target_cpu=%03d", REC->comm, REC->pid, REC->prio, REC->target_cpu`,
          ),
        ],
      },
      {
        name: "ipi",
        formats: [
          format(
            "ipi_send_cpu",
            400,
            [u32("cpu"), ptr("callsite"), ptr("callback")],
            `"cpu=%u callsite=%pS callback=%pS", REC->cpu, REC->callsite, REC->callback`,
          ),
          format(
            "ipi_send_cpumask",
            401,
            [["__data_loc cpumask_t cpumask", 4, 4, 0], ptr("callsite"), ptr("callback")],
            `"cpumask=%s callsite=%pS callback=%pS", __get_cpumask(cpumask), REC->callsite, REC->callback`,
          ),
        ],
      },
      {
        name: "csd",
        formats: [
          format(
            "csd_queue_cpu",
            410,
            [u32("cpu"), ptr("callsite"), ptr("func"), ptr("csd")],
            `"cpu=%u callsite=%pS func=%ps csd=%p", REC->cpu, REC->callsite, REC->func, REC->csd`,
          ),
          format(
            "csd_function_entry",
            411,
            [ptr("func"), ptr("csd")],
            `"func=%ps, csd=%p", REC->func, REC->csd`,
          ),
        ],
      },
      {
        name: "kvm",
        formats: [
          format("kvm_entry", 500, [
            u32("vcpu_id"),
            ulong("rip"),
            ["bool immediate_exit", 1, 1, 0],
            u32("intr_info", "u32"),
            u32("error_code", "u32"),
          ], `"vcpu %u, rip 0x%lx", REC->vcpu_id, REC->rip`),
          format(
            "kvm_exit",
            501,
            [
              u32("exit_reason"),
              ulong("guest_rip"),
              u32("isa", "u32"),
              u64("info1"),
              u64("info2"),
              u32("intr_info", "u32"),
              u32("error_code", "u32"),
              u32("vcpu_id"),
            ],
            `"vcpu %u reason %s%s%s rip 0x%lx info1 0x%016llx info2 0x%016llx intr_info 0x%08x error_code 0x%08x", REC->vcpu_id, __print_symbolic(REC->exit_reason, { 0, "EXCEPTION_NMI" }, { 1, "EXTERNAL_INTERRUPT" }, { 12, "HLT" }), REC->isa == 1 && REC->exit_reason & 0x80000000 ? " " : "", REC->isa == 1 ? __print_flags(REC->exit_reason & ~0xffff, " ", { 0x80000000, "FAILED_VMENTRY" }, { 0x08000000, "BUS_LOCK" }) : "", REC->guest_rip, REC->info1, REC->info2, REC->intr_info, REC->error_code`,
          ),
          format(
            "kvm_vcpu_wakeup",
            502,
            [u64("ns", "__u64"), ["bool waited", 1, 1, 0], ["bool valid", 1, 1, 0]],
            `"%s time %lld ns, polling %s", REC->waited ? "wait" : "poll", REC->ns, REC->valid ? "valid" : "invalid"`,
          ),
          format(
            "kvm_apic_ipi",
            503,
            [u32("icr_low", "__u32"), u32("dest_id", "__u32")],
            `"dst %x vec %u (%s|%s|%s|%s|%s)", REC->dest_id, (u8)REC->icr_low, __print_symbolic((REC->icr_low >> 8 & 0x7), { 0x0, "Fixed" }, { 0x1, "LowPrio" }, { 0x2, "SMI" }, { 0x4, "NMI" }, { 0x5, "INIT" }, { 0x6, "SIPI" }, { 0x7, "ExtINT" }), (REC->icr_low & (1<<11)) ? "logical" : "physical", (REC->icr_low & (1<<14)) ? "assert" : "de-assert", (REC->icr_low & (1<<15)) ? "level" : "edge", (REC->icr_low & (3<<18)) == (1<<18) ? "self" : (REC->icr_low & (3<<18)) == (2<<18) ? "all" : (REC->icr_low & (3<<18)) == (3<<18) ? "all-but-self" : "dst"`,
          ),
          format(
            "kvm_userspace_exit",
            504,
            [u32("reason", "__u32"), i32("errno")],
            `"reason %s (%d)", REC->errno < 0 ? (REC->errno == -4 ? "restart" : "error") : __print_symbolic(REC->reason, { 0, "KVM_EXIT_UNKNOWN" }, { 2, "KVM_EXIT_IO" }), REC->errno < 0 ? -REC->errno : REC->reason`,
          ),
        ],
      },
      {
        name: "kvmreq",
        formats: [
          format(
            "kvm_make_request",
            600,
            [i32("vcpu"), u32("req", "u32"), ptr("site")],
            `"vcpu=%d req=%s nr=%u flags=%s site=%pS", REC->vcpu, __print_symbolic(REC->req & 0xff, { 0, "KVM_REQ_TLB_FLUSH" }, { 1, "KVM_REQ_VM_DEAD" }, { 2, "KVM_REQ_UNBLOCK" }), REC->req & 0xff, __print_flags(REC->req >> 8, "|", { 0, "NONE" }, { 1, "WAIT" }, { 2, "NO_WAKEUP" }, { 4, "NO_ACTION" }), REC->site`,
          ),
        ],
      },
      {
        name: "test",
        formats: [
          format(
            "stress",
            700,
            [
              ["s8 a", 1, 1, 1],
              ["s16 b", 2, 2, 1],
              ["s32 c", 4, 4, 1],
              ["s64 d", 8, 8, 1],
              ["u8 e", 1, 1, 0],
              ["u16 f", 2, 2, 0],
              ["u32 g", 4, 4, 0],
              ["u64 h", 8, 8, 0],
              ["char name[8]", 8, 1, 0],
              ["__data_loc char[] str", 4, 4, 0],
              ["__data_loc u8[] blob", 4, 4, 0],
              [`unsigned long arr[4]`, 4 * L, L, 0],
            ],
            `"a=%d b=%hd c=%i d=%lld e=%u f=%x g=%08x h=%llx name=%s str=%s hex=%s arr=%s neg=%d sum=%lu cast=%d char=%c w=%-6d| p=%p pw=%*d sz=%d t=%s", REC->a, REC->b, REC->c, REC->d, REC->e, REC->f, REC->g, REC->h, REC->name, __get_str(str), __print_hex(__get_dynamic_array(blob), __get_dynamic_array_len(blob)), __print_array(REC->arr, 4, sizeof(unsigned long)), -REC->c, REC->h + REC->g * 2, (int)REC->h, REC->e, REC->c, (void *)REC->h, REC->e, REC->c, sizeof(u16), REC->a > 0 ? "pos" : "neg"`,
          ),
          format(
            "failing",
            701,
            [i32("x"), ["char tag[4]", 4, 1, 0], ptr("p")],
            `"x=%d", unknown_fn(REC->x)`,
          ),
          format(
            "arith",
            702,
            [u32("x"), u32("y"), u32("z")],
            `"q=%u r=%u s=%u t=%u u=%u", REC->x - REC->y - REC->z, REC->x * REC->y / REC->z, REC->x >> 2 & 3, REC->x > REC->y ? REC->x : REC->y + 1, ~REC->x & 0xff`,
          ),
          format("pct", 703, [u32("x"), u32("y")], `"100%% %5.2f %s %d", REC->x, REC->y, REC->x`),
          format("few", 704, [u32("x")], `"x=%u y=%u", REC->x`),
        ],
      },
    ],
  };
}
