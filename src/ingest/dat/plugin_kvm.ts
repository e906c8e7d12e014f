/**
 * libtraceevent's kvm plugin (plugin_kvm.c) for the events it prints itself:
 * `kvm_exit` (`reason NAME rip 0x… info … …`), `kvm_entry`
 * (`vcpu N rip 0x…`), `kvm_emulate_insn`, `kvm_nested_vmexit(_inject)` and
 * the kvmmmu shadow-page events. The instruction bytes of kvm_emulate_insn
 * print as hex, as in builds without the udis86 disassembler.
 *
 * @module
 */

import { hex } from "./c_printf.ts";
import { findField } from "./event_format.ts";
import { exitReasonName } from "./kvm_exit_reasons.ts";
import {
  fieldVal,
  numField,
  type PluginCtx,
  type PluginHandler,
  printNumField,
  u32,
} from "./plugin_api.ts";
import { dynamicSpan, hexAt, readSmall } from "./record_view.ts";
import { FieldFlag } from "./event_format.ts";

function exitReason(ctx: PluginCtx, field: string): boolean {
  const val = fieldVal(ctx, field, true);
  if (val === undefined) return false;
  const isa = fieldVal(ctx, "isa", false) ?? 1n;
  const name = exitReasonName(isa, val);
  ctx.out += name === undefined ? `reason UNKNOWN (${val})` : `reason ${name}`;
  return true;
}

const kvmExit: PluginHandler = (ctx) => {
  if (!exitReason(ctx, "exit_reason")) return -1;
  const rip = numField(ctx, "guest_rip", true);
  if (rip === undefined) return -1;
  ctx.out += " rip 0x" + hexAt(ctx.r, rip.offset, rip.size);
  const info1 = numField(ctx, "info1", false);
  const info2 = info1 === undefined ? undefined : numField(ctx, "info2", false);
  if (info1 !== undefined && info2 !== undefined) {
    ctx.out += " info " + hexAt(ctx.r, info1.offset, info1.size) + " " +
      hexAt(ctx.r, info2.offset, info2.size);
  }
  return 0;
};

const kvmEntry: PluginHandler = (ctx) => {
  const vcpu = findField(ctx.ev, "vcpu_id");
  if (vcpu && (vcpu.size === 1 || vcpu.size === 2 || vcpu.size === 4)) {
    ctx.out += " vcpu " + readSmall(ctx.r, vcpu.offset, vcpu.size);
  } else printNumField(ctx, "vcpu_id", (v) => ` vcpu ${u32(v)}`, true);
  const rip = numField(ctx, "rip", true);
  if (rip === undefined) return -1;
  ctx.out += " rip 0x" + hexAt(ctx.r, rip.offset, rip.size);
  return 0;
};

function rawField(ctx: PluginCtx, name: string): Uint8Array | undefined {
  const f = findField(ctx.ev, name);
  if (!f) {
    ctx.out += `<CANT FIND FIELD ${name}>`;
    return undefined;
  }
  let offset = f.offset;
  let len = f.size;
  if (f.flags & FieldFlag.DYNAMIC) ({ offset, len } = dynamicSpan(ctx.r, f));
  const at = ctx.r.base + offset;
  return ctx.r.bytes.subarray(at, at + len);
}

const kvmEmulateInsn: PluginHandler = (ctx) => {
  const vals: bigint[] = [];
  for (const name of ["rip", "csbase", "len", "flags", "failed"]) {
    const v = fieldVal(ctx, name, true);
    if (v === undefined) return -1;
    vals.push(v);
  }
  const [rip, csbase, len, , failed] = vals;
  const insn = rawField(ctx, "insn");
  if (!insn) return -1;
  const n = Math.min(Number(len & 0xffffffffn), 15);
  const bytes: string[] = [];
  for (let i = 0; i < n; i++) bytes.push((insn[i] ?? 0).toString(16).padStart(2, "0"));
  ctx.out += `${hex(csbase)}:${hex(rip)}: ${bytes.join(" ")}${failed ? " FAIL" : ""}`;
  return 0;
};

const kvmNestedVmexitInject: PluginHandler = (ctx) => {
  if (!exitReason(ctx, "exit_code")) return -1;
  printNumField(ctx, "exit_info1", (v) => ` info1 ${hex(v)}`, true);
  printNumField(ctx, "exit_info2", (v) => ` info2 ${hex(v)}`, true);
  printNumField(ctx, "exit_int_info", (v) => ` int_info ${hex(v)}`, true);
  printNumField(ctx, "exit_int_info_err", (v) => ` int_info_err ${hex(v)}`, true);
  return 0;
};

const kvmNestedVmexit: PluginHandler = (ctx) => {
  const rip = fieldVal(ctx, "rip", true);
  if (rip === undefined) return -1;
  ctx.out += ` rip ${hex(rip)}`;
  return kvmNestedVmexitInject(ctx);
};

const ACCESS = ["---", "--x", "w--", "w-x", "-u-", "-ux", "wu-", "wux"];

const mmuRole: PluginHandler = (ctx) => {
  const val = fieldVal(ctx, "role", true);
  if (val === undefined) return -1;
  const w = Number(BigInt.asUintN(32, val));
  if (ctx.r.bigEndian) {
    ctx.out += `WORD: ${w.toString(16).padStart(8, "0")}`;
  } else {
    const bit = (n: number) => (w >>> n) & 1;
    ctx.out += `${w & 0xf} q${(w >>> 5) & 3}${bit(7) ? " direct" : ""} ${ACCESS[(w >>> 8) & 7]}` +
      `${bit(11) ? " invalid" : ""} ${bit(4) ? "" : "!"}pae ${bit(12) ? "" : "!"}nxe ` +
      `${bit(13) ? "" : "!"}wp${bit(14) ? " smep" : ""}${bit(15) ? " smap" : ""}${
        (w >>> 24) ? " smm" : ""
      }`;
  }
  printNumField(ctx, "root_count", (v) => ` root ${u32(v)} `, true);
  const unsync = fieldVal(ctx, "unsync", true);
  if (unsync === undefined) return -1;
  ctx.out += unsync ? "unsync" : "sync";
  return 0;
};

const mmuGetPage: PluginHandler = (ctx) => {
  const created = fieldVal(ctx, "created", true);
  if (created === undefined) return -1;
  ctx.out += created ? "new " : "existing ";
  const gfn = fieldVal(ctx, "gfn", true);
  if (gfn === undefined) return -1;
  ctx.out += `sp gfn ${hex(gfn)} `;
  return mmuRole(ctx);
};

/** The kvm plugin's handlers by `system:event`. */
export const KVM_HANDLERS: ReadonlyMap<string, PluginHandler> = new Map([
  ["kvm:kvm_exit", kvmExit],
  ["kvm:kvm_entry", kvmEntry],
  ["kvm:kvm_emulate_insn", kvmEmulateInsn],
  ["kvm:kvm_nested_vmexit", kvmNestedVmexit],
  ["kvm:kvm_nested_vmexit_inject", kvmNestedVmexitInject],
  ["kvmmmu:kvm_mmu_get_page", mmuGetPage],
  ["kvmmmu:kvm_mmu_sync_page", mmuRole],
  ["kvmmmu:kvm_mmu_unsync_page", mmuRole],
  ["kvmmmu:kvm_mmu_zap_page", mmuRole],
  ["kvmmmu:kvm_mmu_prepare_zap_page", mmuRole],
]);
