// Lighthouse (mobile, its default simulated throttling) over a list of pages with one Chromium,
// for tests/test_lighthouse.py. Usage:
//
//   CHROME_PATH=/usr/bin/chromium node deploy/lighthouse/run.mjs pages.json results.json
//
// pages.json: {"pages": [{"name": "...", "url": "https://..."}], "minPerformance": 95,
// "maxTbt": 200, "maxRuns": 5}. Every page is measured once; a page below the bar (performance
// under minPerformance or total blocking time at or over maxTbt) is measured again, up to maxRuns in
// all (an odd number of runs), and judged on the median of its runs: Lighthouse's own advice for
// variance (docs/variability.md), as a busy machine inflates the CPU time a run observes.
// A page with "mode": "snapshot" (an error page: Lighthouse refuses to measure the loading of a
// document answered with 4xx, ERRORED_DOCUMENT_REQUEST) is opened by puppeteer and only its
// accessibility is judged, once.
// The answer, in results.json: one entry per page with every run and the medians.
import fs from "node:fs";

import * as chromeLauncher from "chrome-launcher";
import puppeteer from "puppeteer-core";
import lighthouse, { snapshot } from "lighthouse";
import defaultConfig from "lighthouse/core/config/default-config.js";

const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const output = process.argv[3];
const minPerformance = plan.minPerformance ?? 95;
const maxTbt = plan.maxTbt ?? 200;
const maxRuns = plan.maxRuns ?? 5;

const snapshotFlags = { logLevel: "error", onlyCategories: ["accessibility"] };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const below = (entry) => entry.performance < minPerformance || entry.tbt >= maxTbt;

function accessibilityOnly(lhr) {
  return {
    finalUrl: lhr.finalDisplayedUrl,
    runtimeError: lhr.runtimeError?.code ?? null,
    accessibility: Math.round((lhr.categories.accessibility.score ?? 0) * 100),
    accessibilityFailures: accessibilityFailures(lhr),
  };
}

function accessibilityFailures(lhr) {
  const audits = lhr.audits;
  return Object.values(lhr.categories.accessibility.auditRefs)
    .map((ref) => audits[ref.id])
    .filter((audit) => audit.score !== null && audit.score < 1 && audit.scoreDisplayMode === "binary")
    .map((audit) => ({
      id: audit.id,
      title: audit.title,
      items: (audit.details?.items ?? []).slice(0, 5).map((item) => item.node?.snippet ?? ""),
    }));
}

function summary(lhr) {
  const audits = lhr.audits;
  return {
    finalUrl: lhr.finalDisplayedUrl,
    statusCode: lhr.audits["network-requests"]?.details?.items?.[0]?.statusCode ?? null,
    runtimeError: lhr.runtimeError?.code ?? null,
    performance: Math.round((lhr.categories.performance.score ?? 0) * 100),
    accessibility: lhr.categories.accessibility
      ? Math.round((lhr.categories.accessibility.score ?? 0) * 100)
      : null,
    tbt: Math.round(audits["total-blocking-time"].numericValue ?? Infinity),
    lcp: Math.round(audits["largest-contentful-paint"].numericValue ?? Infinity),
    cls: audits["cumulative-layout-shift"].numericValue ?? null,
    bytes: audits["total-byte-weight"].numericValue ?? null,
    benchmarkIndex: lhr.environment.benchmarkIndex,
    seconds: Math.round(lhr.timing.total / 100) / 10,
    accessibilityFailures: lhr.categories.accessibility ? accessibilityFailures(lhr) : null,
  };
}

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  // The shipped nginx serves a certificate made at start, which no CA signed.
  chromeFlags: [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--ignore-certificate-errors",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
  logLevel: "silent",
});

// The performance score is made of its weighted metrics only, so the diagnostics (unused
// JavaScript, image sizes and the like: about 2 s of a 12 s run on the busy test machine, and no
// part of the score) are left out. The accessibility score is every audit of its category, as in
// a full run.
const { performance, accessibility } = defaultConfig.categories;
// Accessibility does not vary from run to run: judged on the first run, left out of the reruns.
const performanceAudits = [
  ...performance.auditRefs.filter((ref) => ref.weight > 0).map((ref) => ref.id),
  "total-byte-weight",
  "network-requests",
  "layout-shifts",
];
const accessibilityAudits = accessibility.auditRefs.map((ref) => ref.id);

const flags = (onlyAudits) => ({
  port: chrome.port,
  output: "json",
  logLevel: "error",
  onlyAudits,
  disableFullPageScreenshot: true,
});

async function look(url) {
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const page = await browser.newPage();
  try {
    await page.goto(url, { waitUntil: "load" });
    const result = await snapshot(page, { flags: snapshotFlags });
    return accessibilityOnly(result.lhr);
  } finally {
    await page.close();
    await browser.disconnect();
  }
}

// Now and then Lighthouse 13 finds no navigation start in Chromium's trace (NO_NAVSTART, more
// often on a busy machine): a failed measurement, not a slow page. It is taken again, up to twice;
// the page's own errors (an error status, ERRORED_DOCUMENT_REQUEST) are not.
const TRACE_ERRORS = new Set(["NO_NAVSTART", "NO_FCP", "NO_LCP", "NO_TRACING_STARTED"]);

async function measure(url, { rerun = false } = {}) {
  const audits = rerun ? performanceAudits : [...performanceAudits, ...accessibilityAudits];
  let measured;
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await lighthouse(url, flags(audits));
    if (process.env.LIGHTHOUSE_KEEP) fs.writeFileSync(process.env.LIGHTHOUSE_KEEP, result.report);
    measured = { ...summary(result.lhr), retries: attempt };
    if (!TRACE_ERRORS.has(measured.runtimeError)) break;
  }
  return measured;
}

const results = [];

function judge(entry) {
  if (entry.snapshot) {
    entry.accessibility = entry.snapshot.accessibility;
    entry.accessibilityFailures = entry.snapshot.accessibilityFailures;
    return;
  }
  entry.performance = median(entry.runs.map((run) => run.performance));
  entry.tbt = median(entry.runs.map((run) => run.tbt));
  entry.lcp = median(entry.runs.map((run) => run.lcp));
  entry.accessibility = entry.runs[0].accessibility;
  entry.accessibilityFailures = entry.runs[0].accessibilityFailures;
}

// Written after every run, so a run cut short still shows what was measured.
function save() {
  results.forEach(judge);
  const answer = JSON.stringify({ minPerformance, maxTbt, maxRuns, pages: results }, null, 2);
  fs.writeFileSync(`${output}.part`, answer);
  fs.renameSync(`${output}.part`, output);
}

try {
  for (const page of plan.pages) {
    if (page.mode === "snapshot") results.push({ ...page, snapshot: await look(page.url) });
    else results.push({ ...page, runs: [await measure(page.url)] });
    save();
  }
  // Again, only the pages below the bar, two runs each per round (the count stays odd); rounds
  // rather than one page at a time, so a page's runs are not all taken in the same busy moment.
  for (let runs = 3; runs <= maxRuns; runs += 2) {
    for (const entry of results.filter((result) => result.runs && below(result))) {
      entry.runs.push(await measure(entry.url, { rerun: true }));
      entry.runs.push(await measure(entry.url, { rerun: true }));
      save();
    }
  }
} finally {
  await chrome.kill();
}
save();
