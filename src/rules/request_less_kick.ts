/**
 * `request-less-kick` — a kick not paired with a request.
 *
 * Seed, "Request-less VCPU Kicks": whether a kick sends an IPI is decided by
 * the Dekker pattern that pairs `vcpu->mode` with `vcpu->requests`. A kick
 * with no request behind it has no final `kvm_request_pending()` check to fall
 * back on: if the vCPU was just about to write IN_GUEST_MODE, the kick sends
 * no IPI and the vCPU enters the guest without doing what the kick was for.
 *
 * Protocol traces: a `kvm_vcpu_kick` of V by thread T (not `action=self`, not
 * inside a kvm_make_all_cpus_request()) when T made no request of V since its
 * previous kick of V. x86 posted-interrupt delivery is the seed's named
 * exception: a `kvm_posted_interrupt` of V by T before the kick pairs PIR.ON
 * with the mode instead of a request bit.
 *
 * Stock traces: kicks recovered from stacks are classified by their call site
 * with the kick-site table; a site known to make no request is an error, an
 * unknown site is reported as an unclassified kick (info), never guessed.
 *
 * @module
 */

import { lookupKickSite } from "../stock/kick_sites.ts";
import { vcpuLabel, who } from "./describe.ts";
import type { Rule } from "./rule.ts";

/** The rule. */
export const requestLessKick: Rule = {
  meta: {
    id: "request-less-kick",
    severity: "error",
    seedSection: "Request-less VCPU Kicks",
    description: "a kick of a vCPU by a thread that made no request of it first",
    help: "A kick without a request relies on an IPI alone; if the vCPU is between its final " +
      "kvm_request_pending() check and guest entry, no IPI is sent and the kick is lost. Make a " +
      "request (kvm_make_request) before kvm_vcpu_kick(), or use posted-interrupt semantics.",
    needs: [["kvm_vcpu_kick"], ["stock-kick"]],
  },
  create(ctx) {
    return {
      kick(ev) {
        const b = ev.body;
        if (b.action === "self") return;
        const { model } = ctx;
        if (model.kickContext(b.vm, ev.origin.pid, b.vcpu).call !== undefined) return;
        const k = model.kicker(ev.origin.pid, b.vm, b.vcpu);
        if (k.requestSince !== undefined || k.postedSince !== undefined) return;
        const site = b.site === undefined ? "" : ` from ${b.site}`;
        if (
          b.site !== undefined && ctx.options.allowedKickSites.some((s) => b.site!.startsWith(s))
        ) return;
        ctx.report({
          vm: b.vm,
          vcpu: b.vcpu,
          at: ev,
          message:
            `${who(ev)} kicked ${vcpuLabel(b.vm, b.vcpu)}${site} (action=${b.action}) without ` +
            `making a request of it since ${
              k.lastKick === undefined ? "the trace began" : "its previous kick"
            }`,
          evidence: k.lastKick === undefined ? [ev] : [k.lastKick, ev],
        });
      },
      stock_kick(ev) {
        const b = ev.body;
        if (
          b.site !== undefined && ctx.options.allowedKickSites.some((s) => b.site!.startsWith(s))
        ) return;
        const row = b.site === undefined ? undefined : lookupKickSite(b.site);
        const target = b.vcpu !== undefined
          ? vcpuLabel(b.vm, b.vcpu)
          : b.targetPid !== undefined
          ? `thread ${b.targetPid} (not identified as a vCPU)`
          : `the vCPU on CPU ${b.targetCpu ?? "?"} (not identified)`;
        const how = b.action === "wake" ? "woke" : "sent an IPI to";
        if (row === undefined) {
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            severity: "info",
            message: `unclassified kick: ${who(ev)} ${how} ${target} from ` +
              `${b.site ?? "an unknown call site"}, which the kick-site table does not know`,
            evidence: [ev],
          });
          return;
        }
        if (row.kind !== "request-less") return;
        ctx.report({
          vm: b.vm,
          vcpu: b.vcpu,
          at: ev,
          message: `${who(ev)} ${how} ${target} from ${row.fn}(), which kicks without making a ` +
            `request (${row.file})`,
          evidence: [ev],
        });
      },
    };
  },
};
