/**
 * What a vCPU request is (a bit number plus flags), the table type that holds
 * one kernel version's requests ({@link RequestTable}; the rows are in
 * request_defs.ts), and the helpers that turn what a trace prints
 * (`KVM_REQ_TLB_FLUSH`, `8`, `0x00000300`, `WAIT|NO_WAKEUP`) into numbers.
 *
 * A request value is an `unsigned int`: bits 0-7 are the bit number in
 * `vcpu->requests` (a u64, so 0-63 are usable), bits 8-10 are flags.
 * Architecture requests are numbered `KVM_REQUEST_ARCH_BASE + n`
 * (`KVM_ARCH_REQ(n)` / `KVM_ARCH_REQ_FLAGS(n, flags)`).
 *
 * @module
 */

import type { KernelVersion } from "./kernel_version.ts";

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
export const KVM_REQ_EVENT_NR: number = KVM_REQUEST_ARCH_BASE + 6;

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
  /** Kernel versions whose headers define the request this way. */
  readonly versions: readonly KernelVersion[];
  /**
   * The request makes a halted vCPU runnable by itself (kvm_vcpu_check_block(),
   * x86's kvm_vcpu_has_events()); others leave it asleep.
   */
  readonly wakesHalted: boolean;
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
  if (flags.wait) words.push("WAIT");
  if (flags.noWakeup) words.push("NO_WAKEUP");
  if (flags.noAction) words.push("NO_ACTION");
  return words.length === 0 ? "0" : words.join("|");
}

/** Result of {@link RequestTable.resolve}. */
export type ResolvedRequest =
  | {
    readonly ok: true;
    /** Bit number (the name's number when the name is known). */
    readonly nr: number;
    /** Canonical name; the printed name when unknown; `undefined` for an unknown number. */
    readonly name: string | undefined;
    /** Flags: `flags=` if given, else the raw value's, else the definition's. */
    readonly flags: RequestFlags;
    /** True when the request is in the table. */
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

/** The requests of one kernel version, with lookups by name and number. */
export class RequestTable {
  readonly #byName = new Map<string, RequestDef>();
  readonly #byNumber = new Map<number, RequestDef[]>();

  /**
   * The table of `defs`, checked against kernel `version`.
   *
   * @param version the kernel version the rows were checked against
   * @param defs the rows (see request_defs.ts)
   */
  constructor(readonly version: KernelVersion, readonly defs: readonly RequestDef[]) {
    for (const def of defs) {
      this.#byName.set(def.name, def);
      let list = this.#byNumber.get(def.nr);
      if (list === undefined) this.#byNumber.set(def.nr, list = []);
      list.push(def);
    }
  }

  /**
   * Looks a request up by macro name (`KVM_REQ_TLB_FLUSH`; the `KVM_REQ_`
   * prefix may be left out; case-insensitive).
   */
  byName(name: string): RequestDef | undefined {
    const upper = name.trim().toUpperCase();
    return this.#byName.get(upper) ?? this.#byName.get(`KVM_REQ_${upper}`);
  }

  /**
   * Looks a request up by bit number. Bit 0 belongs to both KVM_REQ_TLB_FLUSH
   * and the never-logged KVM_REQ_OUTSIDE_GUEST_MODE: the NO_ACTION request is
   * returned only when `opts.noAction` is true.
   */
  byNumber(nr: number, opts: { readonly noAction?: boolean } = {}): RequestDef | undefined {
    const candidates = this.#byNumber.get(nr);
    if (candidates === undefined) return undefined;
    const wanted = opts.noAction === true;
    return candidates.find((def) => def.flags.noAction === wanted) ?? candidates[0];
  }

  /**
   * Resolves a printed request: `req` is a name (`KVM_REQ_TLB_FLUSH`), a
   * decimal bit number (`8`) or a raw hex value (`0x00000300`: low 8 bits the
   * number, upper bits flags); `nr` and `flags` are the optional `nr=` and
   * `flags=` fields. Disagreements (a `nr=` other than the name's number,
   * flags other than the definition's) are reported in `mismatch`, not as
   * errors.
   */
  resolve(req: string, nr?: number, flags?: string): ResolvedRequest {
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
      ? this.#resolveByName(parsed.name, nr, given, problems)
      : this.#resolveByNumber(parsed.nr ?? 0, nr, given, problems);
    if (!result.ok) return result;
    return {
      ...result,
      ...(problems.length > 0 ? { mismatch: problems.join("; ") } : {}),
      ...(parsed.warning ? { warning: parsed.warning } : {}),
    };
  }

  #resolveByName(
    name: string,
    nr: number | undefined,
    given: RequestFlags | undefined,
    problems: string[],
  ): ResolvedRequest {
    const def = this.byName(name);
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

  #resolveByNumber(
    reqNr: number,
    nr: number | undefined,
    given: RequestFlags | undefined,
    problems: string[],
  ): ResolvedRequest {
    if (!validNumber(reqNr)) return { ok: false, error: outOfRange(reqNr) };
    if (nr !== undefined && nr !== reqNr) problems.push(`nr=${nr} but req= is bit ${reqNr}`);
    const def = this.byNumber(reqNr, { noAction: given?.noAction });
    if (def) checkDefinedFlags(def, given, problems);
    return {
      ok: true,
      nr: reqNr,
      name: def?.name,
      flags: given ?? def?.flags ?? NO_FLAGS,
      known: def !== undefined,
    };
  }
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
