/**
 * Every vCPU request of a 6.18 x86 kernel, as data, with the request flags
 * baked into each definition, plus the helpers that turn what a trace prints
 * (`KVM_REQ_TLB_FLUSH`, `8`, `0x00000300`, `WAIT|NO_WAKEUP`) into numbers.
 *
 * Facts come from include/linux/kvm_host.h and
 * arch/x86/include/asm/kvm_host.h of a linux-6.18.y tree; the `#define` lines
 * they were taken from are kept in `fixtures/kernel/kvm_host_requests.txt`,
 * and a test checks this table against them.
 *
 * A request value is an `unsigned int`: bits 0-7 are the bit number in
 * `vcpu->requests` (a u64, so 0-63 are usable), bits 8-10 are flags.
 * Architecture requests are numbered `KVM_REQUEST_ARCH_BASE + n`
 * (`KVM_ARCH_REQ(n)` / `KVM_ARCH_REQ_FLAGS(n, flags)`).
 *
 * @module
 */

/** Bits of a request value that hold the bit number (`GENMASK(7,0)`). */
export const KVM_REQUEST_MASK = 0xff;
/** Flag: sleeping vCPUs need not be woken for this request (`BIT(8)`). */
export const KVM_REQUEST_NO_WAKEUP = 0x100;
/** Flag: kvm_make_all_cpus_request() waits for the IPI acks (`BIT(9)`). */
export const KVM_REQUEST_WAIT = 0x200;
/** Flag: no bit is set in `vcpu->requests`, only the kick happens (`BIT(10)`). */
export const KVM_REQUEST_NO_ACTION = 0x400;
/** All flag bits the kernel defines. */
export const KVM_REQUEST_FLAG_BITS = KVM_REQUEST_NO_WAKEUP | KVM_REQUEST_WAIT |
  KVM_REQUEST_NO_ACTION;
/** First bit number of architecture requests; bits 0-7 belong to common ones. */
export const KVM_REQUEST_ARCH_BASE = 8;
/** Width of `vcpu->requests` (a u64): valid bit numbers are 0..63. */
export const KVM_REQUEST_BITS = 64;
/** Largest raw request value (`unsigned int`). */
export const KVM_REQUEST_VALUE_MAX = 0xffffffff;

/** Header of the architecture-independent requests. */
export const COMMON_REQUEST_HEADER = "include/linux/kvm_host.h";
/** Header of the x86 requests. */
export const X86_REQUEST_HEADER = "arch/x86/include/asm/kvm_host.h";

/** Bit number of KVM_REQ_TLB_FLUSH. */
export const KVM_REQ_TLB_FLUSH_NR = 0;
/** Bit number of KVM_REQ_VM_DEAD. */
export const KVM_REQ_VM_DEAD_NR = 1;
/** Bit number of KVM_REQ_UNBLOCK. */
export const KVM_REQ_UNBLOCK_NR = 2;
/** Bit number of KVM_REQ_DIRTY_RING_SOFT_FULL. */
export const KVM_REQ_DIRTY_RING_SOFT_FULL_NR = 3;
/**
 * Bit number of KVM_REQ_OUTSIDE_GUEST_MODE: 0, shared with KVM_REQ_TLB_FLUSH,
 * but never set because the request carries KVM_REQUEST_NO_ACTION.
 */
export const KVM_REQ_OUTSIDE_GUEST_MODE_NR = 0;
/** Bit number of x86's KVM_REQ_EVENT (`KVM_ARCH_REQ(6)`). */
export const KVM_REQ_EVENT_NR = KVM_REQUEST_ARCH_BASE + 6;

/** The three request flags as booleans. */
export interface RequestFlags {
  /** KVM_REQUEST_NO_WAKEUP. */
  readonly noWakeup: boolean;
  /** KVM_REQUEST_WAIT. */
  readonly wait: boolean;
  /** KVM_REQUEST_NO_ACTION. */
  readonly noAction: boolean;
}

/** No flag set. */
export const NO_FLAGS: RequestFlags = Object.freeze({
  noWakeup: false,
  wait: false,
  noAction: false,
});

/** Where a request is defined. */
export type RequestArch = "common" | "x86";

/** One request definition. */
export interface RequestDef {
  /** Macro name (`KVM_REQ_TLB_FLUSH`). */
  readonly name: string;
  /** Bit number in `vcpu->requests` (0..63). */
  readonly nr: number;
  /** Flags baked into the definition. */
  readonly flags: RequestFlags;
  /** `common` (include/linux) or `x86`. */
  readonly arch: RequestArch;
  /** For x86 requests, `n` of `KVM_ARCH_REQ(n)`; `undefined` for common ones. */
  readonly archIndex: number | undefined;
  /** One-line meaning: what the vCPU does when it sees the request. */
  readonly meaning: string;
  /** Header (kernel-relative path) that defines it. */
  readonly header: string;
  /** Kconfig option the definition depends on, if any. */
  readonly config?: string;
  /** Other names the same bit had in other kernel versions. */
  readonly aliases?: readonly string[];
}

const W = "WAIT";
const NW = "NO_WAKEUP";
const NA = "NO_ACTION";
type FlagWord = typeof W | typeof NW | typeof NA;

function flagSet(words: readonly FlagWord[]): RequestFlags {
  return Object.freeze({
    noWakeup: words.includes(NW),
    wait: words.includes(W),
    noAction: words.includes(NA),
  });
}

function common(
  name: string,
  nr: number,
  words: readonly FlagWord[],
  meaning: string,
): RequestDef {
  return Object.freeze({
    name,
    nr,
    flags: flagSet(words),
    arch: "common",
    archIndex: undefined,
    meaning,
    header: COMMON_REQUEST_HEADER,
  });
}

function x86(
  name: string,
  n: number,
  words: readonly FlagWord[],
  meaning: string,
  extra: Pick<RequestDef, "config" | "aliases"> = {},
): RequestDef {
  return Object.freeze({
    name,
    nr: KVM_REQUEST_ARCH_BASE + n,
    flags: flagSet(words),
    arch: "x86",
    archIndex: n,
    meaning,
    header: X86_REQUEST_HEADER,
    ...extra,
  });
}

/** Every request of a 6.18 x86 kernel, common ones first, in header order. */
export const REQUESTS: readonly RequestDef[] = Object.freeze([
  common("KVM_REQ_TLB_FLUSH", 0, [W, NW], "flush all of the guest's TLB entries"),
  common("KVM_REQ_VM_DEAD", 1, [W, NW], "the VM is dead: KVM_RUN fails with -EIO"),
  common("KVM_REQ_UNBLOCK", 2, [], "leave kvm_vcpu_block(): a wake event is pending"),
  common(
    "KVM_REQ_DIRTY_RING_SOFT_FULL",
    3,
    [],
    "the vCPU's dirty ring hit its soft limit: exit to userspace",
  ),
  common(
    "KVM_REQ_OUTSIDE_GUEST_MODE",
    0,
    [NA, W, NW],
    "no bit is logged: only force the vCPU out of guest mode and wait for it",
  ),
  x86("KVM_REQ_MIGRATE_TIMER", 0, [], "move the vCPU's hrtimers to its new pCPU"),
  x86("KVM_REQ_REPORT_TPR_ACCESS", 1, [], "exit to userspace with KVM_EXIT_TPR_ACCESS"),
  x86("KVM_REQ_TRIPLE_FAULT", 2, [], "triple fault: shut down (or nested VM-exit)"),
  x86("KVM_REQ_MMU_SYNC", 3, [], "sync the unsync shadow pages of the current roots"),
  x86("KVM_REQ_CLOCK_UPDATE", 4, [], "recompute this vCPU's kvmclock data"),
  x86("KVM_REQ_LOAD_MMU_PGD", 5, [], "load the MMU root into hardware"),
  x86("KVM_REQ_EVENT", 6, [], "re-evaluate pending interrupts, NMIs, exceptions, INIT/SIPI"),
  x86("KVM_REQ_APF_HALT", 7, [], "async #PF could not be injected: do a synthetic halt"),
  x86("KVM_REQ_STEAL_UPDATE", 8, [], "update the guest's steal-time record"),
  x86("KVM_REQ_NMI", 9, [], "move queued NMIs to pending and inject them"),
  x86("KVM_REQ_PMU", 10, [], "reprogram the vPMU counters"),
  x86("KVM_REQ_PMI", 11, [], "deliver a vPMU overflow interrupt"),
  x86("KVM_REQ_SMI", 12, [], "process a pending SMI", { config: "CONFIG_KVM_SMM" }),
  x86("KVM_REQ_MASTERCLOCK_UPDATE", 13, [], "update the VM-wide master clock"),
  x86(
    "KVM_REQ_MCLOCK_INPROGRESS",
    14,
    [W, NW],
    "hold vCPUs out of the guest while the master clock changes",
  ),
  x86("KVM_REQ_SCAN_IOAPIC", 15, [W, NW], "rescan I/O APIC routes for the EOI-exit bitmap"),
  x86("KVM_REQ_GLOBAL_CLOCK_UPDATE", 16, [], "request a kvmclock update of every vCPU"),
  x86("KVM_REQ_APIC_PAGE_RELOAD", 17, [W, NW], "reload the APIC-access page address"),
  x86("KVM_REQ_HV_CRASH", 18, [], "exit to userspace with a Hyper-V crash event"),
  x86("KVM_REQ_IOAPIC_EOI_EXIT", 19, [], "exit to the userspace I/O APIC to forward an EOI"),
  x86("KVM_REQ_HV_RESET", 20, [], "exit to userspace with a Hyper-V reset event"),
  x86("KVM_REQ_HV_EXIT", 21, [], "exit to userspace with KVM_EXIT_HYPERV"),
  x86("KVM_REQ_HV_STIMER", 22, [], "process expired Hyper-V synthetic timers"),
  x86("KVM_REQ_LOAD_EOI_EXITMAP", 23, [], "load the EOI-exit bitmap into hardware"),
  x86("KVM_REQ_GET_NESTED_STATE_PAGES", 24, [], "map the nested guest's state pages"),
  x86("KVM_REQ_APICV_UPDATE", 25, [W, NW], "APICv/AVIC inhibits changed: refresh APICv"),
  x86("KVM_REQ_TLB_FLUSH_CURRENT", 26, [], "flush the TLB of the current MMU context"),
  x86("KVM_REQ_TLB_FLUSH_GUEST", 27, [W, NW], "flush the guest's TLB on its behalf"),
  x86("KVM_REQ_APF_READY", 28, [], "async #PF completed: inject 'page ready'"),
  x86(
    "KVM_REQ_RECALC_INTERCEPTS",
    29,
    [],
    "recompute intercepts, e.g. after an MSR filter change",
    {
      aliases: ["KVM_REQ_MSR_FILTER_CHANGED"],
    },
  ),
  x86(
    "KVM_REQ_UPDATE_CPU_DIRTY_LOGGING",
    30,
    [W, NW],
    "toggle hardware dirty logging (PML)",
  ),
  x86(
    "KVM_REQ_MMU_FREE_OBSOLETE_ROOTS",
    31,
    [W, NW],
    "free MMU roots made obsolete by a fast zap",
  ),
  x86("KVM_REQ_HV_TLB_FLUSH", 32, [W, NW], "process the Hyper-V PV TLB flush FIFO"),
  x86(
    "KVM_REQ_UPDATE_PROTECTED_GUEST_STATE",
    34,
    [W],
    "SEV-SNP AP create/destroy: reset to the new protected state",
  ),
]);

const byName = new Map<string, RequestDef>();
for (const def of REQUESTS) {
  byName.set(def.name, def);
  for (const alias of def.aliases ?? []) byName.set(alias, def);
}

/**
 * Looks a request up by macro name or alias (`KVM_REQ_TLB_FLUSH`; the
 * `KVM_REQ_` prefix may be left out; case-insensitive).
 */
export function requestByName(name: string): RequestDef | undefined {
  const upper = name.trim().toUpperCase();
  return byName.get(upper) ?? byName.get(`KVM_REQ_${upper}`);
}

/**
 * Looks a request up by bit number. Bit 0 belongs to both KVM_REQ_TLB_FLUSH
 * and the never-logged KVM_REQ_OUTSIDE_GUEST_MODE: the NO_ACTION request is
 * returned only when `opts.noAction` is true.
 */
export function requestByNumber(
  nr: number,
  opts: { readonly noAction?: boolean } = {},
): RequestDef | undefined {
  const candidates = REQUESTS.filter((def) => def.nr === nr);
  const wanted = opts.noAction === true;
  return candidates.find((def) => def.flags.noAction === wanted) ?? candidates[0];
}

/** A decoded raw request value. */
export interface DecodedRequestValue {
  /** Bit number (low 8 bits). */
  readonly nr: number;
  /** The known flags. */
  readonly flags: RequestFlags;
  /** Bits above bit 7 that are not a known flag (0 when none). */
  readonly unknownFlagBits: number;
}

/** Turns flag bits (of a request value) into {@link RequestFlags}. */
export function flagsFromBits(bits: number): RequestFlags {
  return Object.freeze({
    noWakeup: (bits & KVM_REQUEST_NO_WAKEUP) !== 0,
    wait: (bits & KVM_REQUEST_WAIT) !== 0,
    noAction: (bits & KVM_REQUEST_NO_ACTION) !== 0,
  });
}

/** Turns {@link RequestFlags} into their bits. */
export function flagsToBits(flags: RequestFlags): number {
  return (flags.noWakeup ? KVM_REQUEST_NO_WAKEUP : 0) | (flags.wait ? KVM_REQUEST_WAIT : 0) |
    (flags.noAction ? KVM_REQUEST_NO_ACTION : 0);
}

/** True when both flag sets are equal. */
export function sameFlags(a: RequestFlags, b: RequestFlags): boolean {
  return flagsToBits(a) === flagsToBits(b);
}

/**
 * Splits a raw request value (an `unsigned int`) into bit number and flags.
 * Throws a RangeError unless `raw` is an integer in 0..0xffffffff.
 */
export function decodeRequestValue(raw: bigint | number): DecodedRequestValue {
  const value = typeof raw === "bigint" ? raw : Number.isInteger(raw) ? BigInt(raw) : -1n;
  if (value < 0n || value > BigInt(KVM_REQUEST_VALUE_MAX)) {
    throw new RangeError(`request value ${raw} is not an unsigned 32-bit integer`);
  }
  const n = Number(value);
  const upper = n - (n & KVM_REQUEST_MASK);
  return Object.freeze({
    nr: n & KVM_REQUEST_MASK,
    flags: flagsFromBits(upper),
    unknownFlagBits: upper - (upper & KVM_REQUEST_FLAG_BITS),
  });
}

/**
 * Builds a raw request value from a bit number and flags, as
 * `KVM_ARCH_REQ_FLAGS()` does. Throws a RangeError unless `nr` is in 0..255.
 */
export function encodeRequestValue(nr: number, flags: RequestFlags = NO_FLAGS): number {
  if (!Number.isInteger(nr) || nr < 0 || nr > KVM_REQUEST_MASK) {
    throw new RangeError(`request number ${nr} is outside 0..${KVM_REQUEST_MASK}`);
  }
  return (nr | flagsToBits(flags)) >>> 0;
}

/** Result of {@link parseFlags}. */
export type FlagsParse =
  | { readonly ok: true; readonly flags: RequestFlags }
  | { readonly ok: false; readonly error: string };

const FLAG_WORDS: Readonly<Record<string, number>> = {
  WAIT: KVM_REQUEST_WAIT,
  NO_WAKEUP: KVM_REQUEST_NO_WAKEUP,
  NO_ACTION: KVM_REQUEST_NO_ACTION,
};

/**
 * Parses a `flags=` value: `WAIT|NO_WAKEUP|NO_ACTION` in any order (also
 * `,`-separated, case-insensitive, words may carry the `KVM_REQUEST_`
 * prefix), `0`, empty or `undefined` (no flags), or a hex mask of flag bits
 * (`0x300`). Unknown words are an error.
 */
export function parseFlags(text: string | undefined): FlagsParse {
  const trimmed = (text ?? "").trim();
  if (/^0x[0-9a-f]+$/i.test(trimmed)) return parseFlagMask(trimmed);
  let bits = 0;
  for (const raw of trimmed.split(/[|,]/)) {
    const word = raw.trim().toUpperCase().replace(/^KVM_REQUEST_/, "");
    if (word === "" || word === "0") continue;
    const bit = FLAG_WORDS[word];
    if (bit === undefined) return { ok: false, error: `unknown request flag '${raw.trim()}'` };
    bits |= bit;
  }
  return { ok: true, flags: flagsFromBits(bits) };
}

function parseFlagMask(text: string): FlagsParse {
  const value = Number.parseInt(text, 16);
  const unknown = value - (value & KVM_REQUEST_FLAG_BITS);
  if (!Number.isSafeInteger(value) || unknown !== 0) {
    return { ok: false, error: `flag mask ${text} has bits that are not request flags` };
  }
  return { ok: true, flags: flagsFromBits(value) };
}

/** Formats flags in the canonical order `WAIT|NO_WAKEUP|NO_ACTION`; `0` when none. */
export function formatFlags(flags: RequestFlags): string {
  const words: string[] = [];
  if (flags.wait) words.push(W);
  if (flags.noWakeup) words.push(NW);
  if (flags.noAction) words.push(NA);
  return words.length === 0 ? "0" : words.join("|");
}

/** Result of {@link resolveRequest}. */
export type ResolvedRequest =
  | {
    readonly ok: true;
    /** Bit number (the name's number when the name is known). */
    readonly nr: number;
    /** Canonical name; the printed name when unknown; `undefined` for an unknown number. */
    readonly name: string | undefined;
    /** Flags: `flags=` if given, else the raw value's, else the definition's. */
    readonly flags: RequestFlags;
    /** True when the request is in {@link REQUESTS}. */
    readonly known: boolean;
    /** Set when `nr=`, `flags=` or a raw value disagree with each other or the table. */
    readonly mismatch?: string;
    /** Set when a raw value carries unknown flag bits. */
    readonly warning?: string;
  }
  | { readonly ok: false; readonly error: string };

interface ReqText {
  readonly nr: number | undefined;
  readonly name: string | undefined;
  readonly rawFlags: RequestFlags | undefined;
  readonly warning: string | undefined;
}

function parseReqText(req: string): ReqText | string {
  const text = req.trim();
  if (/^0x[0-9a-f]+$/i.test(text)) {
    const value = Number.parseInt(text, 16);
    if (!Number.isSafeInteger(value) || value > KVM_REQUEST_VALUE_MAX) {
      return `request value ${text} does not fit an unsigned int`;
    }
    const d = decodeRequestValue(value);
    const warning = d.unknownFlagBits === 0
      ? undefined
      : `request value ${text} has unknown flag bits 0x${d.unknownFlagBits.toString(16)}`;
    return { nr: d.nr, name: undefined, rawFlags: d.flags, warning };
  }
  if (/^\d+$/.test(text)) {
    return { nr: Number(text), name: undefined, rawFlags: undefined, warning: undefined };
  }
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) {
    return { nr: undefined, name: text, rawFlags: undefined, warning: undefined };
  }
  return `malformed request '${req}'`;
}

/**
 * Resolves a printed request: `req` is a name (`KVM_REQ_TLB_FLUSH`), a
 * decimal bit number (`8`) or a raw hex value (`0x00000300`: low 8 bits the
 * number, upper bits flags); `nr` and `flags` are the optional `nr=` and
 * `flags=` fields. Disagreements (a `nr=` other than the name's number,
 * flags other than the definition's) are reported in `mismatch`, not as errors.
 */
export function resolveRequest(req: string, nr?: number, flags?: string): ResolvedRequest {
  const parsed = parseReqText(req);
  if (typeof parsed === "string") return { ok: false, error: parsed };
  let explicit: RequestFlags | undefined;
  if (flags !== undefined) {
    const f = parseFlags(flags);
    if (!f.ok) return { ok: false, error: f.error };
    explicit = f.flags;
  }
  const problems: string[] = [];
  if (parsed.rawFlags && explicit && !sameFlags(parsed.rawFlags, explicit)) {
    problems.push(
      `flags=${formatFlags(explicit)} but the raw value has ${formatFlags(parsed.rawFlags)}`,
    );
  }
  const given = explicit ?? parsed.rawFlags;
  const result = parsed.name !== undefined
    ? resolveByName(parsed.name, nr, given, problems)
    : resolveByNumber(parsed.nr ?? 0, nr, given, problems);
  if (!result.ok) return result;
  return {
    ...result,
    ...(problems.length > 0 ? { mismatch: problems.join("; ") } : {}),
    ...(parsed.warning ? { warning: parsed.warning } : {}),
  };
}

function resolveByName(
  name: string,
  nr: number | undefined,
  given: RequestFlags | undefined,
  problems: string[],
): ResolvedRequest {
  const def = requestByName(name);
  if (!def) {
    if (nr === undefined) return { ok: false, error: `unknown request '${name}' and no nr=` };
    if (!validNumber(nr)) return { ok: false, error: outOfRange(nr) };
    return { ok: true, nr, name, flags: given ?? NO_FLAGS, known: false };
  }
  if (nr !== undefined && nr !== def.nr) {
    problems.push(`nr=${nr} but ${def.name} is bit ${def.nr}`);
  }
  checkDefinedFlags(def, given, problems);
  return { ok: true, nr: def.nr, name: def.name, flags: given ?? def.flags, known: true };
}

function resolveByNumber(
  reqNr: number,
  nr: number | undefined,
  given: RequestFlags | undefined,
  problems: string[],
): ResolvedRequest {
  if (!validNumber(reqNr)) return { ok: false, error: outOfRange(reqNr) };
  if (nr !== undefined && nr !== reqNr) problems.push(`nr=${nr} but req= is bit ${reqNr}`);
  const def = requestByNumber(reqNr, { noAction: given?.noAction });
  if (def) checkDefinedFlags(def, given, problems);
  return {
    ok: true,
    nr: reqNr,
    name: def?.name,
    flags: given ?? def?.flags ?? NO_FLAGS,
    known: def !== undefined,
  };
}

function checkDefinedFlags(
  def: RequestDef,
  given: RequestFlags | undefined,
  problems: string[],
): void {
  if (given && !sameFlags(given, def.flags)) {
    problems.push(
      `flags ${formatFlags(given)} but ${def.name} is defined with ${formatFlags(def.flags)}`,
    );
  }
}

function validNumber(nr: number): boolean {
  return Number.isInteger(nr) && nr >= 0 && nr < KVM_REQUEST_BITS;
}

function outOfRange(nr: number): string {
  return `request bit ${nr} is outside 0..${KVM_REQUEST_BITS - 1} (vcpu->requests is a u64)`;
}
