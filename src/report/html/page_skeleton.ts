/**
 * The report page's static markup: section skeletons the script fills in.
 * Constant text only; nothing from a trace is ever placed here.
 *
 * @module
 */

/** The `<body>` content before the data and script elements. */
export const PAGE_BODY = `<header>
<h1>kvmreq report</h1>
<span class="tool" id="tool"></span>
</header>
<main>
<section id="summary" aria-labelledby="summary-title">
<h2 id="summary-title">Summary</h2>
<div id="summary-body"></div>
</section>
<section id="timeline-section" aria-labelledby="timeline-title">
<h2 id="timeline-title">Timeline</h2>
<div class="toolbar">
<select id="file-select" aria-label="Input"></select>
<button type="button" id="zoom-in" title="Zoom in (+)">+</button>
<button type="button" id="zoom-out" title="Zoom out (-)">&minus;</button>
<button type="button" id="zoom-fit" title="Whole trace (0)">Fit</button>
<span id="view-range"></span>
</div>
<div id="timeline-scroll">
<div id="timeline">
<div id="row-labels" aria-label="vCPUs"></div>
<div id="canvas-wrap" tabindex="0" aria-label="Timeline: wheel or +/- to zoom, drag or arrows to pan">
<canvas id="timeline-canvas"></canvas>
</div>
</div>
</div>
<div id="hover-info" aria-live="polite"></div>
<div id="legend"></div>
<div id="decimation-note"></div>
</section>
<section id="findings-section" aria-labelledby="findings-title">
<h2 id="findings-title">Findings (<span id="finding-count">0</span>)</h2>
<div class="findings-tools">
<select id="rule-filter" aria-label="Show findings of rule"><option value="">all rules</option></select>
</div>
<div class="findings-layout">
<ul id="findings" role="listbox" aria-label="Findings" tabindex="0"></ul>
<div id="evidence" aria-live="polite"><p class="placeholder">Choose a finding to see its evidence.</p></div>
</div>
</section>
<section id="stats-section" aria-labelledby="stats-title">
<h2 id="stats-title">Per-vCPU statistics</h2>
<div id="stats"></div>
</section>
</main>`;
