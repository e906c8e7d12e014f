/**
 * Decoders for the protocol events of the kvmreq event contract
 * (`kvm_make_request`, `kvm_vcpu_kick`, `kvm_vcpu_mode`, …; see the README's
 * "Event contract"). Each turns an event's field text into a typed value or
 * says exactly which field is missing or malformed.
 *
 * Every protocol event may carry an optional `vm=ID` field; without it all
 * events belong to VM `0`.
 *
 * @module
 */

import { parseBigInteger, parseInteger, parseKeyValues } from "./fields.ts";

/** The four values of `vcpu->mode` (include/linux/kvm_host.h order). */
export const MODES = [
  "OUTSIDE_GUEST_MODE",
  "IN_GUEST_MODE",
  "EXITING_GUEST_MODE",
  "READING_SHADOW_PAGE_TABLES",
] as const;

/** A vCPU mode. */
export type Mode = typeof MODES[number];

/** What a kick did. */
export const KICK_ACTIONS = ["ipi", "wake", "none", "self"] as const;

/** A kick action. */
export type KickAction = typeof KICK_ACTIONS[number];

/** A request as printed: a name, a bit number, or a raw value, plus flags. */
export interface RequestRef {
  /** `req=` as printed (`KVM_REQ_TLB_FLUSH`, `8`, `0x00000300`). */
  readonly req: string;
  /** `nr=` when printed. */
  readonly nr: number | undefined;
  /** `flags=` as printed, `undefined` when absent. */
  readonly flags: string | undefined;
}

/** A decoded protocol event. */
export type ProtocolEvent =
  | {
    readonly kind: "make_request";
    readonly vm: string;
    readonly vcpu: number;
    readonly request: RequestRef;
    readonly site: string | undefined;
  }
  | {
    readonly kind: "kick";
    readonly vm: string;
    readonly vcpu: number;
    /** `idx=`: the vCPU's index (vcpu_idx, the bit of fan-out masks), when printed. */
    readonly idx?: number | undefined;
    readonly mode: Mode;
    readonly action: KickAction;
    readonly cpu: number | undefined;
    readonly site: string | undefined;
  }
  | {
    readonly kind: "mode";
    readonly vm: string;
    readonly vcpu: number;
    readonly old: Mode;
    readonly new: Mode;
  }
  | {
    readonly kind: "request_pending";
    readonly vm: string;
    readonly vcpu: number;
    readonly pending: bigint;
    /** `mode=`: the mode the final check read, when printed. */
    readonly mode?: Mode | undefined;
    /** `work=`: task work was pending (xfer_to_guest_mode_work_pending()), when printed. */
    readonly work?: boolean | undefined;
    /** `exit=`: the check's verdict (1: the entry is cancelled), when printed. */
    readonly exit?: boolean | undefined;
  }
  | {
    readonly kind: "check_request";
    readonly vm: string;
    readonly vcpu: number;
    readonly request: RequestRef;
    readonly result: boolean;
  }
  | {
    readonly kind: "clear_request";
    readonly vm: string;
    readonly vcpu: number;
    readonly request: RequestRef;
  }
  | {
    readonly kind: "all_cpus_request";
    readonly vm: string;
    readonly request: RequestRef;
    readonly mask: bigint | undefined;
    readonly phase: "begin" | "end";
    /** `site=`: the caller of the all-vCPU request function, when printed. */
    readonly site?: string | undefined;
  }
  | {
    readonly kind: "ipi_ack";
    readonly vm: string;
    /** The vCPU loaded on the acknowledging CPU; `undefined` when the kernel printed `vcpu=-1`. */
    readonly vcpu: number | undefined;
    readonly cpu: number | undefined;
  }
  | { readonly kind: "block"; readonly vm: string; readonly vcpu: number }
  | {
    readonly kind: "unblock";
    readonly vm: string;
    readonly vcpu: number;
    readonly woken: boolean | undefined;
  }
  | {
    readonly kind: "posted_interrupt";
    readonly vm: string;
    readonly vcpu: number;
    readonly vector: number | undefined;
    readonly on: boolean | undefined;
  }
  | { readonly kind: "sync_pir"; readonly vm: string; readonly vcpu: number }
  | { readonly kind: "vcpu_create"; readonly vm: string; readonly vcpu: number }
  | { readonly kind: "vcpu_destroy"; readonly vm: string; readonly vcpu: number };

/** The result of decoding: a value, or the reason it could not be decoded. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | {
  readonly ok: false;
  readonly error: string;
};

/** Names of the protocol events, each with the kind it decodes to. */
export const PROTOCOL_EVENT_NAMES = [
  "kvm_make_request",
  "kvm_vcpu_kick",
  "kvm_vcpu_mode",
  "kvm_request_pending",
  "kvm_check_request",
  "kvm_clear_request",
  "kvm_make_all_cpus_request",
  "kvm_vcpu_ipi_ack",
  "kvm_vcpu_block",
  "kvm_vcpu_unblock",
  "kvm_posted_interrupt",
  "kvm_sync_pir",
  "kvm_vcpu_create",
  "kvm_vcpu_destroy",
] as const;

/** A protocol event name. */
export type ProtocolEventName = typeof PROTOCOL_EVENT_NAMES[number];

const PROTOCOL_NAME_SET: ReadonlySet<string> = new Set(PROTOCOL_EVENT_NAMES);

/** True when `name` is one of the protocol events. */
export function isProtocolEventName(name: string): name is ProtocolEventName {
  return PROTOCOL_NAME_SET.has(name);
}

class FieldError extends Error {}

function need(f: Map<string, string>, key: string): string {
  const v = f.get(key);
  if (v === undefined || v === "") throw new FieldError(`missing field \`${key}=\``);
  return v;
}

function needInt(f: Map<string, string>, key: string): number {
  const v = parseInteger(need(f, key));
  if (v === undefined || v < 0) {
    throw new FieldError(`\`${key}=${f.get(key)}\` is not a non-negative integer`);
  }
  return v;
}

function optInt(f: Map<string, string>, key: string): number | undefined {
  if (!f.has(key)) return undefined;
  const v = parseInteger(f.get(key));
  if (v === undefined) throw new FieldError(`\`${key}=${f.get(key)}\` is not an integer`);
  return v;
}

function optMode(f: Map<string, string>, key: string): Mode | undefined {
  return f.has(key) ? needMode(f, key) : undefined;
}

/** `vcpu=` that may be `-1` (no vCPU): `undefined` then. */
function vcpuOrNone(f: Map<string, string>): number | undefined {
  return need(f, "vcpu") === "-1" ? undefined : needInt(f, "vcpu");
}

function optBool(f: Map<string, string>, key: string): boolean | undefined {
  const v = f.get(key);
  if (v === undefined) return undefined;
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  throw new FieldError(`\`${key}=${v}\` is not 0 or 1`);
}

/** Parses a mode name (or its number 0–3). */
export function parseMode(text: string | undefined): Mode | undefined {
  if (text === undefined) return undefined;
  // The table's own string: modes compare by identity in the model's hot paths.
  const i = (MODES as readonly string[]).indexOf(text);
  if (i >= 0) return MODES[i];
  const n = parseInteger(text);
  return n !== undefined && n >= 0 && n < MODES.length ? MODES[n] : undefined;
}

function needMode(f: Map<string, string>, key: string): Mode {
  const m = parseMode(need(f, key));
  if (m === undefined) {
    throw new FieldError(`\`${key}=${f.get(key)}\` is not a vCPU mode (${MODES.join(", ")})`);
  }
  return m;
}

function request(f: Map<string, string>): RequestRef {
  return { req: need(f, "req"), nr: optInt(f, "nr"), flags: f.get("flags") };
}

function decodeFields(name: ProtocolEventName, f: Map<string, string>): ProtocolEvent {
  const vm = f.get("vm") ?? "0";
  switch (name) {
    case "kvm_make_request":
      return {
        kind: "make_request",
        vm,
        vcpu: needInt(f, "vcpu"),
        request: request(f),
        site: f.get("site"),
      };
    case "kvm_vcpu_kick": {
      const text = need(f, "action");
      // The table's own string (identity compares in the hot paths, as for modes).
      const action = KICK_ACTIONS[(KICK_ACTIONS as readonly string[]).indexOf(text)];
      if (action === undefined) {
        throw new FieldError(`\`action=${text}\` is not one of ${KICK_ACTIONS.join(", ")}`);
      }
      return {
        kind: "kick",
        vm,
        vcpu: needInt(f, "vcpu"),
        idx: optInt(f, "idx"),
        mode: needMode(f, "mode"),
        action,
        cpu: optInt(f, "cpu"),
        site: f.get("site"),
      };
    }
    case "kvm_vcpu_mode":
      return {
        kind: "mode",
        vm,
        vcpu: needInt(f, "vcpu"),
        old: needMode(f, "old"),
        new: needMode(f, "new"),
      };
    case "kvm_request_pending": {
      const pending = parseBigInteger(need(f, "pending"));
      if (pending === undefined) {
        throw new FieldError(`\`pending=${f.get("pending")}\` is not a number`);
      }
      return {
        kind: "request_pending",
        vm,
        vcpu: needInt(f, "vcpu"),
        pending,
        mode: optMode(f, "mode"),
        work: optBool(f, "work"),
        exit: optBool(f, "exit"),
      };
    }
    case "kvm_check_request": {
      const result = optBool(f, "result");
      if (result === undefined) throw new FieldError("missing field `result=`");
      return { kind: "check_request", vm, vcpu: needInt(f, "vcpu"), request: request(f), result };
    }
    case "kvm_clear_request":
      return { kind: "clear_request", vm, vcpu: needInt(f, "vcpu"), request: request(f) };
    case "kvm_make_all_cpus_request": {
      const phase = need(f, "phase");
      if (phase !== "begin" && phase !== "end") {
        throw new FieldError(`\`phase=${phase}\` is not begin or end`);
      }
      const maskText = f.get("mask");
      const mask = maskText === undefined ? undefined : parseBigInteger(maskText);
      if (maskText !== undefined && mask === undefined) {
        throw new FieldError(`\`mask=${maskText}\` is not a number`);
      }
      return {
        kind: "all_cpus_request",
        vm,
        request: request(f),
        mask,
        phase,
        site: f.get("site"),
      };
    }
    case "kvm_vcpu_ipi_ack":
      return { kind: "ipi_ack", vm, vcpu: vcpuOrNone(f), cpu: optInt(f, "cpu") };
    case "kvm_vcpu_block":
      return { kind: "block", vm, vcpu: needInt(f, "vcpu") };
    case "kvm_vcpu_unblock":
      return { kind: "unblock", vm, vcpu: needInt(f, "vcpu"), woken: optBool(f, "woken") };
    case "kvm_posted_interrupt":
      return {
        kind: "posted_interrupt",
        vm,
        vcpu: needInt(f, "vcpu"),
        vector: optInt(f, "vector"),
        on: optBool(f, "on"),
      };
    case "kvm_sync_pir":
      return { kind: "sync_pir", vm, vcpu: needInt(f, "vcpu") };
    case "kvm_vcpu_create":
      return { kind: "vcpu_create", vm, vcpu: needInt(f, "vcpu") };
    case "kvm_vcpu_destroy":
      return { kind: "vcpu_destroy", vm, vcpu: needInt(f, "vcpu") };
  }
}

/**
 * `%pS` prints a module's symbol with the module after a blank
 * (`svm_complete_interrupt_delivery+0x3e/0xc0 [kvm_amd]`), which the
 * key/value split cuts off: put it back on `site=`.
 */
function siteWithModule(fields: string, f: Map<string, string>): void {
  const site = f.get("site");
  if (site === undefined) return;
  const at = fields.indexOf(`site=${site} [`);
  if (at < 0 || (at > 0 && fields.charCodeAt(at - 1) !== 0x20)) return;
  const rest = fields.slice(at + 5 + site.length);
  const m = /^ \[[\w.-]+\]/.exec(rest);
  if (m !== null) f.set("site", site + m[0]);
}

/**
 * Decodes the field text of protocol event `name`.
 *
 * @example
 * ```ts
 * import { decodeProtocolEvent } from "./protocol.ts";
 * const d = decodeProtocolEvent("kvm_vcpu_mode", "vcpu=1 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE");
 * if (!d.ok || d.value.kind !== "mode" || d.value.new !== "IN_GUEST_MODE") throw new Error();
 * ```
 */
export function decodeProtocolEvent(
  name: ProtocolEventName,
  fields: string,
): Decoded<ProtocolEvent> {
  try {
    const f = parseKeyValues(fields);
    siteWithModule(fields, f);
    return { ok: true, value: decodeFields(name, f) };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, error: err.message };
    throw err;
  }
}
