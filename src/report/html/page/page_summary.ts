/// <reference lib="dom" />
/**
 * Browser code of the report page: the summary of each input (format, time
 * span, events, findings, coverage, what the timeline draws) and the
 * timeline's legend. A page module (see `page_helpers.ts`).
 *
 * @module
 */

import type { ReportData } from "../report_model.ts";
import type { PageHelpers } from "./page_helpers.ts";

/** What {@link pageSummary} gives. */
export interface PageSummary {
  /** Fills `#summary-body`. */
  renderSummary(): void;
  /** Fills `#legend`. */
  renderLegend(): void;
}

/** The summary and the legend (browser code, inlined into the page). */
export function pageSummary(data: ReportData, h: PageHelpers): PageSummary {
  const el = h.el;
  const byId = h.byId;
  const fmtCount = h.fmtCount;
  const dlRow = h.dlRow;

  function renderSummary(): void {
    const box = byId("summary-body");
    box.replaceChildren();
    data.files.forEach(function (file) {
      const card = el("div", "file-summary");
      card.appendChild(el("h3", "file-name", file.path));
      const dl = el("dl");
      dlRow(dl, "Input", file.path);
      dlRow(
        dl,
        "Format",
        (file.format || "unknown") +
          (file.timeUnit === "ticks" ? " (counter clock: times are ticks)" : ""),
      );
      dlRow(
        dl,
        file.window ? "Window" : "Time span",
        file.firstTs + " \u2192 " + file.lastTs + " (" + h.fmtDur(file.span) + ")",
      );
      if (file.window) {
        dlRow(
          dl,
          "Shown",
          file.window.text + ": " + fmtCount(file.findings) + " of the input's " +
            fmtCount(file.window.findingsInInput) +
            " findings; the whole input was replayed, so state from before the window counts",
        );
      }
      const vcpuRows = file.rows.filter(function (r) {
        return r.kind === "vcpu";
      }).length;
      dlRow(
        dl,
        "Rows",
        vcpuRows + " vCPU" + (vcpuRows === 1 ? "" : "s") + ", " + (file.rows.length - vcpuRows) +
          " host thread(s) that kicked a vCPU or made a request of one",
      );
      dlRow(
        dl,
        "Events",
        fmtCount(file.events) + " events in " + fmtCount(file.lines) + " lines" +
          (file.skippedLines > 0 ? ", " + fmtCount(file.skippedLines) + " lines skipped" : "") +
          (file.lostEvents > 0
            ? ", " + fmtCount(file.lostEvents) + " events lost by the ring buffer"
            : "") +
          (file.undecoded > 0
            ? ", " + fmtCount(file.undecoded) + " protocol events undecodable"
            : ""),
      );
      const n = file.severities;
      dlRow(
        dl,
        "Findings",
        file.findings + " (" + n.error + " error, " + n.warning + " warning, " + n.info + " info)",
      );
      const cov = file.coverage;
      const covDd = dlRow(dl, "Coverage", "");
      covDd.appendChild(
        el(
          "p",
          null,
          "checked " + cov.checked.length + " of " +
            (cov.checked.length + cov.notChecked.length) + " rules",
        ),
      );
      const ul = el("ul", "coverage");
      cov.checked.forEach(function (c) {
        const li = el("li", "checked");
        li.appendChild(el("span", "rule-id", c.id));
        li.appendChild(el("span", "needs", " using " + c.using));
        ul.appendChild(li);
      });
      cov.notChecked.forEach(function (c) {
        const li = el("li", "not-checked");
        li.appendChild(el("span", "rule-id", c.id));
        li.appendChild(el("span", "needs", " not checked: needs " + c.needs));
        ul.appendChild(li);
      });
      covDd.appendChild(ul);
      dlRow(dl, "Timeline", h.decimationText(file));
      card.appendChild(dl);
      box.appendChild(card);
    });
    const total = data.findings.length;
    const unlisted = Object.keys(data.unlisted);
    if (unlisted.length > 0) {
      let more = 0;
      unlisted.forEach(function (k) {
        more += data.unlisted[k];
      });
      const p = el(
        "p",
        "unlisted",
        "Only the first " + fmtCount(total) + " findings are listed with their evidence; " +
          fmtCount(more) + " more: " + unlisted.map(function (k) {
            return k + " \u00d7" + fmtCount(data.unlisted[k]);
          }).join(", ") + ". Run kvmreq lint for all of them.",
      );
      box.appendChild(p);
    }
  }

  function renderLegend(): void {
    const box = byId("legend");
    box.replaceChildren();
    function item(color: string, text: string, cls?: string) {
      const s = el("span", "legend-item " + (cls || ""));
      const sw = el("span", "swatch");
      sw.style.background = color;
      s.appendChild(sw);
      s.appendChild(document.createTextNode(text));
      box.appendChild(s);
    }
    data.states.forEach(function (s, i) {
      item(h.STATE_COLORS[i], s);
    });
    item("#1c7ed6", "request pending (made \u2192 served)");
    item("#d7263d", "request never served");
    ["kick ipi", "kick wake", "kick none", "kick self", "IPI ack", "posted interrupt"].forEach(
      function (k, i) {
        item(h.KIND_COLORS[i], k, "tick");
      },
    );
    item(h.KIND_COLORS[8], "guest exit (kvm_exit; hover for the reason)", "tick");
    data.threadStates.forEach(function (s, i) {
      item(h.THREAD_COLORS[i], "thread " + s, "thin");
    });
    item(h.SEV_COLORS.error, "finding", "diamond");
    const hint = el(
      "span",
      "legend-hint",
      "wheel: zoom \u00b7 drag: pan \u00b7 keys + \u2212 \u2190 \u2192 0 \u00b7 click a \u25c6 to select",
    );
    box.appendChild(hint);
  }

  return { renderSummary, renderLegend };
}
