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
      "--allow-env=KVMREQ_SCREENSHOT_AT,KVMREQ_SCREENSHOT_FULL",
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
      assert.equal(c.rows - c.threadRows, lint.vcpus);
      assert.equal(c.statsCards, lint.vcpus);
      assert.deepEqual(c.clipped, [], "statistics cards show all their text");
      assert.deepEqual(c.brokenLabels, [], "no label or count broken across lines");
      const order = ["OUTSIDE_GUEST_MODE", "IN_GUEST_MODE", "EXITING_GUEST_MODE"];
      for (const modes of c.modeOrders) {
        const seen = modes.filter((m) => order.includes(m));
        assert.deepEqual(seen, order.filter((m) => seen.includes(m)), "one order of modes");
      }
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
      assert.equal(c.rows - c.threadRows, lint.vcpus);
      assert.ok(c.paintedPixels > 1000);
      assert.ok(c.bodyText.includes("summarised"));
    });
  },
});

const LAB = new URL("../../traces/lab/stock/", import.meta.url);

/** A committed lab recording of a stock kernel, when present. */
function labSample(name: string): Sample | undefined {
  try {
    return { name, text: Deno.readTextFileSync(new URL(name, LAB)) };
  } catch {
    return undefined;
  }
}

for (
  const [name, proof] of [
    // A request-less kick recovered from a wakeup: its stack trace proves it.
    ["memslot.trace", "stack"],
    // Around a kick: the vCPU's guest exits (kvm_exit with its reason) and scheduling.
    ["memslot.trace", "exit"],
  ] as const
) {
  Deno.test({
    name: `report in chromium on the stock recording ${name}: host-thread rows, ` +
      `${proof === "stack" ? "the kick's stack" : "guest exits around a finding"}, absolute ` +
      "times, the whole span",
    ignore: ignore || labSample(name) === undefined,
    async fn() {
      const sample = labSample(name)!;
      const lines = sample.text.split("\n").filter((l) => /\d+\.\d+: \w+:/.test(l));
      const stamp = (l: string) => /(\d+\.\d+): \w+:/.exec(l)![1];
      await withReport([sample], {}, async (page, data, dir) => {
        const file = data.files[0];
        // The whole trace's span: its first and last event lines, protocol or not.
        assert.equal(file.firstTs, stamp(lines[0]));
        assert.equal(file.lastTs, stamp(lines[lines.length - 1]));
        // The finding to choose: the first, or the first with a guest exit around it.
        const pick = proof === "stack"
          ? 0
          : data.findings.findIndex((f) =>
            [...f.context.before, ...f.context.after].some((c) => / kvm_exit: /.test(c.text))
          );
        assert.ok(pick >= 0, "a finding with a guest exit around it");
        const shot =
          Deno.env.get("KVMREQ_REPORT_STOCK_SCREENSHOT")?.replace(".png", `-${proof}.png`) ??
            `${dir}/stock.png`;
        const c = await inBrowser(page, shot, pick);
        assert.deepEqual(c.errors, []);
        assert.ok(c.threadRows >= 1, "a row for the kicking host thread");
        assert.ok(c.bodyText.includes("host thread"));
        if (proof === "stack") {
          assert.ok(c.stackFrames.length >= 3, c.stackFrames.join(" "));
          assert.ok(c.stackFrames.includes("kvm_arch_memslots_updated"), c.stackFrames.join(" "));
          assert.ok(c.stackFrames.some((f) => /kvm_vcpu_kick/.test(f)));
        } else {
          assert.ok(
            c.contextLines.some((l) => /kvm_exit: .*reason \w+/.test(l)),
            c.contextLines.join("\n"),
          );
        }
        assert.ok(c.contextLines.some((l) => /sched_(switch|wakeup|waking):/.test(l)));
        // The axis and the range read as the trace prints time.
        assert.match(c.rangeBefore, /^\d+\.\d+ … \d+\.\d+ s \(/);
        assert.ok(c.rangeBefore.startsWith(stamp(lines[0]).split(".")[0] + "."), c.rangeBefore);
        assert.deepEqual(c.clipped, []);
      });
    },
  });
}

Deno.test({
  name: "report in chromium on the patched lab trace memslot.trace: statistics labels whole " +
    "(a request's count was broken across two lines: 3 over 2)",
  ignore,
  async fn() {
    const text = Deno.readTextFileSync(new URL("../../traces/lab/memslot.trace", import.meta.url));
    await withReport([{ name: "memslot.trace", text }], {}, async (page) => {
      const c = await inBrowser(page, "", 0);
      assert.deepEqual(c.errors, []);
      assert.equal(c.statsCards, 2);
      assert.deepEqual(c.clipped, []);
      assert.deepEqual(c.brokenLabels, [], "no label or count broken across lines");
    });
  },
});
