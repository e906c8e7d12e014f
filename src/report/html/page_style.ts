/**
 * The report page's stylesheet (inlined; the page loads nothing).
 *
 * @module
 */

/** CSS of the report page. */
export const PAGE_STYLE: string = String.raw`
:root { color-scheme: light; --fg: #212529; --muted: #6c757d; --line: #dee2e6; --bg: #fff;
  --panel: #f8f9fa; --accent: #1c7ed6; --error: #d7263d; --warning: #e67700; --info: #1c7ed6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 12px; padding: 10px 18px;
  border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
header .tool { color: var(--muted); font-size: 12px; }
main { padding: 0 18px 40px; }
h2 { font-size: 16px; margin: 18px 0 8px; }
h3 { font-size: 14px; margin: 10px 0 6px; }
h4 { font-size: 13px; margin: 0 0 6px; }
code, .file-name, .row-thread, .rule-id { font-family: ui-monospace, "SFMono-Regular", Menlo,
  Consolas, monospace; }
.file-summary dl, .vcpu-stats dl { display: grid; grid-template-columns: minmax(6em, max-content) 1fr;
  gap: 3px 14px; margin: 0; }
dt { color: var(--muted); max-width: 12em; }
dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
dd p { margin: 0 0 4px; }
ul.coverage { margin: 0; padding-left: 18px; columns: 2 320px; font-size: 12px; }
ul.coverage li.not-checked { color: var(--warning); }
ul.coverage .needs { color: var(--muted); }
.unlisted { color: var(--warning); }
#timeline-section { position: sticky; top: 0; z-index: 2; background: var(--bg);
  border-bottom: 1px solid var(--line); padding-bottom: 6px; }
.toolbar { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin-bottom: 4px; }
.toolbar button, .toolbar select, #rule-filter { font: inherit; padding: 2px 8px;
  border: 1px solid var(--line); background: var(--panel); border-radius: 4px; cursor: pointer; }
#view-range { color: var(--muted); font-size: 12px; margin-left: 8px; }
#timeline-scroll { max-height: 42vh; overflow-y: auto; border: 1px solid var(--line); }
#timeline { display: flex; align-items: flex-start; }
#row-labels { flex: 0 0 170px; border-right: 1px solid var(--line); background: var(--bg); }
.axis-label { height: 26px; display: flex; align-items: center; padding: 0 8px; font-size: 11px;
  color: var(--muted); background: var(--panel); white-space: nowrap; overflow: hidden; }
.row-label { height: 36px; display: flex; flex-direction: column; justify-content: center;
  padding: 0 8px; font-size: 12px; line-height: 1.1; overflow: hidden; white-space: nowrap; }
.row-label:nth-child(odd) { background: var(--panel); }
.row-vcpu { font-weight: 600; }
.row-thread { color: var(--muted); font-size: 11px; text-overflow: ellipsis; overflow: hidden; }
.thread-row .row-vcpu { font-weight: 500; font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 11px; text-overflow: ellipsis; overflow: hidden; }
#canvas-wrap { flex: 1 1 auto; min-width: 0; outline: none; }
#canvas-wrap:focus-visible { box-shadow: inset 0 0 0 2px var(--accent); }
#timeline-canvas { display: block; cursor: crosshair; }
#hover-info { min-height: 1.45em; font-size: 12px; color: var(--fg); margin-top: 4px;
  font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
#legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted);
  margin-top: 4px; }
.legend-item { display: inline-flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; width: 14px; height: 10px; border-radius: 2px; }
.legend-item.tick .swatch { width: 3px; height: 10px; }
.legend-item.diamond .swatch { width: 9px; height: 9px; transform: rotate(45deg); }
.legend-item.thin .swatch { height: 4px; }
.legend-hint { margin-left: auto; }
#decimation-note { font-size: 12px; color: var(--warning); margin-top: 4px; }
#decimation-note:empty { display: none; }
.findings-layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px;
  align-items: start; }
.findings-tools { margin-bottom: 6px; }
#findings { list-style: none; margin: 0; padding: 0; max-height: 70vh; overflow-y: auto;
  border: 1px solid var(--line); border-radius: 4px; }
.finding { padding: 6px 10px; border-bottom: 1px solid var(--line); cursor: pointer;
  border-left: 4px solid transparent; }
.finding:hover { background: var(--panel); }
.finding.sev-error { border-left-color: var(--error); }
.finding.sev-warning { border-left-color: var(--warning); }
.finding.sev-info { border-left-color: var(--info); }
.finding[aria-selected="true"] { background: #e7f1fb; outline: 2px solid var(--accent);
  outline-offset: -2px; }
.finding-head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.finding .where { color: var(--muted); font-size: 12px; }
.finding .message { overflow-wrap: anywhere; }
.no-findings { padding: 10px; color: var(--muted); }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px; color: #fff;
  text-transform: uppercase; letter-spacing: 0.03em; }
.badge.error { background: var(--error); }
.badge.warning { background: var(--warning); }
.badge.info { background: var(--info); }
#evidence { position: sticky; top: 0; border: 1px solid var(--line); border-radius: 4px;
  padding: 8px 12px; min-height: 120px; background: var(--panel); }
#evidence .placeholder { color: var(--muted); }
.evidence-title { display: flex; gap: 8px; align-items: baseline; margin-top: 0; }
.evidence-message { font-weight: 600; overflow-wrap: anywhere; }
.rule-description, .seed, .confidence, .more { font-size: 12px; color: var(--muted); margin: 4px 0; }
.confidence { color: var(--warning); }
.evidence-lines { margin: 6px 0 0; padding-left: 0; list-style: none; font-size: 12px; }
.evidence-line, .context-line { display: grid; grid-template-columns: max-content minmax(0, 1fr);
  gap: 8px; padding: 2px 0; border-top: 1px dashed var(--line); }
.evidence-line .ln, .context-line .ln { color: var(--muted);
  font-family: ui-monospace, Menlo, Consolas, monospace; }
.evidence-line code, .context-line code { white-space: pre-wrap; overflow-wrap: anywhere; }
ol.stack { margin: 2px 0 0; padding-left: 14px; list-style: none; font-size: 11px;
  font-family: ui-monospace, Menlo, Consolas, monospace; color: var(--muted); }
ol.stack .frame::before { content: "\2190 "; }
ol.stack .frame:first-child::before { content: ""; }
.context-title { margin: 10px 0 2px; font-size: 12px; }
.context-lines { margin: 0; padding-left: 0; list-style: none; font-size: 12px; }
.context-line { color: #495057; }
.context-here { font-size: 12px; font-weight: 600; color: var(--error); padding: 2px 0;
  border-top: 1px dashed var(--line); }
.stats-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(520px, 100%), 1fr));
  gap: 12px; }
.vcpu-stats dl { grid-template-columns: minmax(9em, max-content) minmax(0, 1fr); }
.vcpu-stats { border: 1px solid var(--line); border-radius: 4px; padding: 8px 12px; }
ul.pairs { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 12px; }
ul.pairs li { white-space: nowrap; }
ul.pairs .k { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
ul.pairs .v { margin-left: 5px; color: var(--muted); }
.none { color: var(--muted); }
.mode-bar { display: flex; height: 10px; border-radius: 2px; overflow: hidden; margin: 3px 0; }
.mode-bar .seg { display: block; height: 100%; }
.histogram { min-width: 0; }
.histogram .quantiles { font-size: 12px; }
.hist-plot { display: flex; align-items: stretch; gap: 4px; margin-top: 3px; height: 60px; }
.hist-axis { display: flex; flex-direction: column; justify-content: space-between;
  font-size: 10px; color: var(--muted); text-align: right; min-width: 2.5em;
  border-right: 1px solid var(--line); padding-right: 3px; }
.hist-bars { flex: 1 1 auto; min-width: 0; width: 100%; height: 100%; display: block; }
.hist-range { display: flex; justify-content: space-between; gap: 6px; font-size: 10px;
  color: var(--muted); margin-left: calc(2.5em + 8px); }
.hist-unit { font-style: italic; }
@media (max-width: 900px) { .findings-layout { grid-template-columns: 1fr; } }
`;
