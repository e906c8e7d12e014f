/**
 * The report page in a real browser: Debian's `chromium`, headless, driven
 * over the DevTools protocol by `cdp_driver.ts` (in its own process, since
 * it needs network access to 127.0.0.1). When chromium is absent and the
 * tests run as root, `apt-get install -y chromium` installs it; otherwise the
 * tests are skipped with a message saying why.
 *
 * Set `KVMREQ_REPORT_SCREENSHOT=path.png` to keep the screenshot of the
 * simulated trace's report.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { PageCheck } from "./cdp_driver.ts";
import type { ReportData } from "../../src/report/html/report_model.ts";
import {
  embeddedData,
  hostileSample,
  lintSample,
  repeatedSample,
  reportFiles,
  type Sample,
  simulatedSample,
  writeSample,
} from "./report_helpers.ts";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

async function present(): Promise<string | undefined> {
  for (const c of CANDIDATES) {
    try {
      if ((await Deno.stat(c)).isFile) return c;
    } catch { /* not there */ }
  }
  return undefined;
}

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command(cmd, {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { ok: r.success, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
  } catch (err) {
    return { ok: false, out: String(err) };
  }
}

/** chromium's path, installing it with apt-get when absent and root; or why it is unavailable. */
async function findChromium(): Promise<{ path?: string; why?: string }> {
  const found = await present();
  if (found !== undefined) return { path: found };
  const id = await run("id", ["-u"]);
  if (!id.ok || id.out.trim() !== "0") {
    return { why: "chromium is not installed and the tests do not run as root to install it" };
  }
  let install = await run("apt-get", ["install", "-y", "chromium"]);
  if (!install.ok) {
    await run("apt-get", ["update"]);
    install = await run("apt-get", ["install", "-y", "chromium"]);
  }
  const path = await present();
  if (path !== undefined) return { path };
  return { why: `apt-get install -y chromium failed: ${install.out.trim().split("\n").pop()}` };
}

const chromium = await findChromium();
if (chromium.path === undefined) {
  console.warn(`report browser tests SKIPPED: ${chromium.why}`);
}

const DRIVER = new URL("./cdp_driver.ts", import.meta.url).pathname;

async function inBrowser(page: string, screenshot: string, click: number): Promise<PageCheck> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-net=127.0.0.1",
      DRIVER,
      chromium.path!,
      page,
      screenshot,
      String(click),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.ok(r.success, `driver failed: ${dec.decode(r.stderr)}`);
  return JSON.parse(dec.decode(r.stdout)) as PageCheck;
}

async function withReport<T>(
  samples: Sample[],
  limits: { maxIntervals?: number; maxFindings?: number },
  body: (page: string, data: ReportData, dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "kvmreq-report-" });
  try {
    const paths = [];
    for (const s of samples) paths.push(await writeSample(dir, s));
    const page = `${dir}/report.html`;
    const html = await reportFiles(paths, page, limits.maxIntervals, limits.maxFindings);
    return await body(page, embeddedData(html) as ReportData, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const ignore = chromium.path === undefined;

Deno.test({
  name:
    "report in chromium: lint's findings, a row per vCPU, choosing a finding shows its evidence",
  ignore,
  async fn() {
    const sample = simulatedSample();
    const lint = await lintSample(sample);
    await withReport([sample], {}, async (page, data, dir) => {
      const pick = Math.max(0, data.findings.findIndex((f) => f.evidence.length >= 3));
      const shot = Deno.env.get("KVMREQ_REPORT_SCREENSHOT") ?? `${dir}/report.png`;
      const c = await inBrowser(page, shot, pick);
      assert.deepEqual(c.errors, []);
      assert.ok(c.ready);
      assert.equal(c.findings, lint.findings.length);
      assert.equal(c.rows, lint.vcpus);
      assert.equal(c.statsCards, lint.vcpus);
      assert.equal(c.selectedBefore, 0);
      assert.deepEqual(c.selectedAfter, [`finding-${pick}`]);
      assert.ok(c.clickedHasClass);
      const chosen = data.findings[pick];
      assert.equal(c.evidenceLines.length, chosen.evidence.length);
      chosen.evidence.forEach((e, i) => assert.ok(c.evidenceLines[i].includes(e.text)));
      assert.equal(c.evidenceMessage, chosen.message);
      assert.notEqual(c.rangeAfterClick, c.rangeBefore, "choosing a finding zooms the timeline");
      assert.notEqual(c.rangeAfterWheel, c.rangeAfterClick, "the wheel zooms");
      assert.ok(c.paintedPixels > 1000, `${c.paintedPixels} painted pixels`);
      assert.ok(c.screenshotBytes > 10_000);
    });
  },
});

Deno.test({
  name: "report in chromium: a hostile comm and fields stay text",
  ignore,
  async fn() {
    const sample = hostileSample();
    const lint = await lintSample(sample);
    await withReport([sample], {}, async (page) => {
      const c = await inBrowser(page, "", 0);
      assert.deepEqual(c.errors, []);
      assert.ok(c.ready);
      assert.equal(c.findings, lint.findings.length);
      assert.ok(c.bodyText.includes("<svg onload=a>-4402"), "the comm is shown literally");
      assert.ok(c.bodyText.includes("site=</script><script>window.__pwned=1</script>+0x7e/0x110"));
      assert.ok(c.evidenceLines.some((l) => l.includes("</script><i>-11")));
      assert.equal(c.injected, 0, "no element was injected");
      assert.equal(c.scripts, 2);
      assert.equal(c.pwned, false);
    });
  },
});

Deno.test({
  name: "report in chromium: a page over budget draws its summaries and counts unlisted findings",
  ignore,
  async fn() {
    const sample = repeatedSample(simulatedSample(), 8);
    const lint = await lintSample(sample);
    await withReport([sample], { maxIntervals: 1000, maxFindings: 50 }, async (page, data) => {
      assert.equal(data.files[0].decimation.exact, false);
      const c = await inBrowser(page, "", 0);
      assert.deepEqual(c.errors, []);
      assert.ok(c.ready);
      assert.equal(c.findings, 50);
      assert.ok(lint.findings.length > 50);
      assert.ok(c.bodyText.includes(`${lint.findings.length - 50} more`));
      assert.equal(c.rows, lint.vcpus);
      assert.ok(c.paintedPixels > 1000);
      assert.ok(c.bodyText.includes("summarised"));
    });
  },
});
