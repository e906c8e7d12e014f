/// <reference lib="dom" />
/**
 * Browser code of the report page: per-vCPU statistics cards (requests,
 * kicks, IPIs, entries, time in each mode, latency histograms as SVG). A
 * page module (see `page_helpers.ts`).
 *
 * @module
 */

import type { LatencyData, ReportData, StatsData } from "../report_model.ts";
import type { PageHelpers } from "./page_helpers.ts";

/** What {@link pageStats} gives. */
export interface PageStats {
  /** Fills `#stats`. */
  renderStats(): void;
}

/** The statistics cards (browser code, inlined into the page). */
export function pageStats(data: ReportData, h: PageHelpers): PageStats {
  const el = h.el;
  const svgEl = h.svgEl;
  const fmtCount = h.fmtCount;
  const fmtDur = h.fmtDur;

  function histogram(lat: LatencyData): HTMLElement {
    const wrap = el("div", "histogram");
    wrap.appendChild(
      el(
        "div",
        "quantiles",
        "n=" + fmtCount(lat.count) + " \u00b7 p50 " + fmtDur(lat.p50) + " \u00b7 p99 " +
          fmtDur(lat.p99) + " \u00b7 max " + fmtDur(lat.max),
      ),
    );
    if (lat.bins.length === 0) return wrap;
    let max = 0;
    lat.bins.forEach(function (b) {
      max = Math.max(max, b[2]);
    });
    // The plot: a count axis on the left (HTML, so nothing is clipped), the
    // bars in an SVG that stretches to the card, the bin range below.
    const plot = el("div", "hist-plot");
    const axis = el("div", "hist-axis");
    axis.appendChild(el("span", "hist-max", fmtCount(max)));
    axis.appendChild(el("span", "hist-zero", "0"));
    plot.appendChild(axis);
    const w = 100 * lat.bins.length;
    const hgt = 60;
    const svg = svgEl("svg", {
      viewBox: "0 0 " + w + " " + hgt,
      preserveAspectRatio: "none",
      role: "img",
      class: "hist-bars",
    });
    svg.appendChild(svgEl("line", { x1: 0, y1: hgt, x2: w, y2: hgt, stroke: "#adb5bd" }));
    lat.bins.forEach(function (b, i) {
      const bh = max === 0 ? 0 : Math.max(b[2] > 0 ? 1 : 0, (b[2] / max) * hgt);
      const r = svgEl("rect", {
        x: i * 100 + 8,
        y: hgt - bh,
        width: 84,
        height: bh,
        fill: "#4a7fd0",
      });
      const title = svgEl("title", {});
      title.textContent = fmtDur(b[0]) + " \u2013 " + fmtDur(b[1]) + ": " + fmtCount(b[2]);
      r.appendChild(title);
      svg.appendChild(r);
    });
    plot.appendChild(svg);
    wrap.appendChild(plot);
    const range = el("div", "hist-range");
    range.appendChild(el("span", null, fmtDur(lat.bins[0][0])));
    range.appendChild(el("span", "hist-unit", "count per log\u2082 bin"));
    range.appendChild(el("span", null, fmtDur(lat.bins[lat.bins.length - 1][1])));
    wrap.appendChild(range);
    return wrap;
  }

  function pairList(pairs: readonly (readonly [string, number])[]): HTMLElement {
    if (pairs.length === 0) return el("span", "none", "none");
    const ul = el("ul", "pairs");
    pairs.forEach(function (p) {
      const li = el("li");
      li.appendChild(el("span", "k", p[0]));
      li.appendChild(el("span", "v", fmtCount(p[1])));
      ul.appendChild(li);
    });
    return ul;
  }

  function modeBar(s: StatsData, ticks: boolean): HTMLElement {
    let total = 0;
    s.timeInMode.forEach(function (p) {
      total += p[1];
    });
    const box = el("div", "mode-time");
    if (total === 0 || ticks) {
      box.appendChild(el("span", "none", ticks ? "(counter clock)" : "none"));
      return box;
    }
    const bar = el("div", "mode-bar");
    const ul = el("ul", "pairs modes");
    function stateOf(mode: string): number {
      return data.states.indexOf(
        mode === "OUTSIDE_GUEST_MODE"
          ? "OUTSIDE"
          : mode === "IN_GUEST_MODE"
          ? "IN_GUEST"
          : mode === "EXITING_GUEST_MODE"
          ? "EXITING"
          : mode,
      );
    }
    // One order for every card: the timeline's (OUTSIDE, IN_GUEST, EXITING, …).
    const modes = s.timeInMode.slice().sort(function (a, b) {
      return stateOf(a[0]) - stateOf(b[0]);
    });
    modes.forEach(function (p) {
      const idx = stateOf(p[0]);
      const seg = el("span", "seg");
      seg.style.width = (100 * p[1] / total).toFixed(3) + "%";
      seg.style.background = h.STATE_COLORS[idx] || "#ced4da";
      seg.title = p[0] + ": " + fmtDur(p[1]);
      bar.appendChild(seg);
      const li = el("li");
      li.appendChild(el("span", "k", p[0]));
      li.appendChild(
        el("span", "v", fmtDur(p[1]) + " (" + (100 * p[1] / total).toFixed(1) + "%)"),
      );
      ul.appendChild(li);
    });
    box.appendChild(bar);
    box.appendChild(ul);
    return box;
  }

  function renderStats(): void {
    const box = h.byId("stats");
    box.replaceChildren();
    data.files.forEach(function (file) {
      if (data.files.length > 1) box.appendChild(el("h3", "file-name", file.path));
      const grid = el("div", "stats-grid");
      file.rows.forEach(function (row) {
        if (row.kind !== "vcpu") return;
        const s = row.stats;
        const card = el("section", "vcpu-stats");
        card.appendChild(
          el(
            "h4",
            null,
            (row.vm !== "0" ? "VM " + row.vm + " " : "") + "vCPU " + row.vcpu +
              (row.thread ? " \u00b7 " + row.thread : ""),
          ),
        );
        const dl = el("dl");
        h.dlRow(dl, "Requests made", pairList(s.requestsMade));
        h.dlRow(dl, "Requests served", pairList(s.requestsServed));
        h.dlRow(dl, "Kicks by action", pairList(s.kicks));
        h.dlRow(
          dl,
          "IPIs",
          fmtCount(s.ipisSent) + " sent, " + fmtCount(s.ipisCoalesced) +
            " coalesced (kick found EXITING_GUEST_MODE)",
        );
        h.dlRow(dl, "Guest entries / exits", fmtCount(s.entries) + " / " + fmtCount(s.exits));
        h.dlRow(dl, "Time in mode", modeBar(s, file.timeUnit === "ticks"));
        h.dlRow(dl, "Service latency (made \u2192 consumed)", histogram(s.serviceLatency));
        h.dlRow(dl, "Kick-to-exit latency", histogram(s.kickToExit));
        card.appendChild(dl);
        grid.appendChild(card);
      });
      box.appendChild(grid);
    });
  }

  return { renderStats };
}
