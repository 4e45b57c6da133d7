"""How fast the MRI form sorts a 600-file CD in the browser, and how much memory that takes.

Run by `make bench` (bench/run.py, as `cd_sort`) with BENCH_BASE_URL and BENCH_RESULT_JSON, or by hand
against any running server (`make serve`):

    BENCH_BASE_URL=http://127.0.0.1:8000 .venv/bin/python bench/cd_sort.py [--runs 3]

Debian's Chromium through Playwright, with the CPU slowed down 4x (CDP Emulation.setCPUThrottlingRate)
as a mid-range phone would be. The CD (bench/studies.py `build_cd`, kept in var/bench/cache/) holds 600
DICOM files without extensions, 256x256 pixels, in three studies (a recent lumbar MRI of 4 series, an
old CT, an old neck MRI), once with a DICOMDIR and once without (every header read). Each run chooses
the folder in the form's upload dashboard and times, inside the page, from the input's change event to
the studies being shown (the pointer has been over the upload box first, which fetches the parser). The baseline, measured in the same run and page: the same folder chosen into
a bare <input webkitdirectory> whose listener only adds up the files' sizes (what the browser costs
before any reading). JS heap: performance.memory (Chromium's --enable-precise-memory-info), sampled
every 10 ms during the sort; the peak is reported above the heap before the folder was chosen.
`--profile` also records Chromium's JS CPU profile (CDP Profiler) of each sort and prints where the
main thread's time went (self time by function, and the idle time spent waiting for file reads).
"""

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.studies import CdStudy, build_cd  # noqa: E402

CACHE = ROOT / "var" / "bench" / "cache"
STUDIES = [
    CdStudy(study_date="20260915", series=("T2 SAG", "T1 SAG", "T2 AX", "STIR SAG"),
            images_per_series=100, side=256),
    CdStudy(modality="CT", study_date="20190304", body_part="HEAD", description="CT HEAD",
            series=("AXIAL",), images_per_series=120, side=256),
    CdStudy(study_date="20210611", body_part="CSPINE", description="MRI CERVICAL SPINE",
            series=("T2 SAG", "T2 AX"), images_per_series=40, side=256),
]  # fmt: skip
FILES = sum(len(s.series) * s.images_per_series for s in STUDIES)

# Runs in the page before anything else: the time of the first change event and a heap sampler.
PROBE = """
window.__bench = {start: null, shown: null, peak: 0};
document.addEventListener("change", () => {
  window.__bench.start = window.__bench.start || performance.now();
}, true);
setInterval(() => {
  window.__bench.peak = Math.max(window.__bench.peak, performance.memory.usedJSHeapSize);
}, 10);
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(() => {
    const panel = document.getElementById("cd-sort");
    if (panel && !panel.hidden && !window.__bench.shown) window.__bench.shown = performance.now();
  }).observe(document.body, {attributes: true, subtree: true, attributeFilter: ["hidden"]});
});
"""

BARE_INPUT = """() => new Promise((resolve) => {
  const input = document.createElement("input");
  input.type = "file"; input.webkitdirectory = true; input.id = "bare-input";
  input.addEventListener("change", () => {
    const start = performance.now();
    let bytes = 0;
    for (const file of input.files) bytes += file.size;
    window.__bare = {files: input.files.length, bytes, ms: performance.now() - start};
  });
  document.body.appendChild(input);
  resolve();
})"""


def cd_folder(dicomdir: bool) -> Path:
    folder = CACHE / ("cd600" if dicomdir else "cd600-no-dicomdir")
    done = folder.with_suffix(".done")  # beside the CD, not on it
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        build_cd(folder, STUDIES, dicomdir=dicomdir)
        done.write_text("")
    return folder


def heap_used(page) -> int:
    return page.evaluate("performance.memory.usedJSHeapSize")


def profile_summary(profile: dict, top: int = 12) -> list[tuple[str, float]]:
    """Self time (ms) by function of a CDP CPU profile, largest first ("(idle)" is waiting)."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    deltas = dict.fromkeys(nodes, 0.0)
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        deltas[sample] += delta / 1000
    by_name: dict[str, float] = {}
    for node_id, ms in deltas.items():
        frame = nodes[node_id]["callFrame"]
        where = frame["url"].rsplit("/", 1)[-1] or "-"
        name = f"{frame['functionName'] or '(anonymous)'} {where}:{frame['lineNumber'] + 1}"
        by_name[name] = by_name.get(name, 0.0) + ms
    return sorted(by_name.items(), key=lambda item: -item[1])[:top]


def one_run(browser, base_url: str, folder: Path, profile: bool = False) -> dict:
    # Playwright's wait_for_function evaluates strings, which the site's CSP forbids.
    page = browser.new_page(bypass_csp=True)
    cdp = page.context.new_cdp_session(page)
    page.add_init_script(PROBE)
    page.goto(f"{base_url}/mri-review/")
    page.locator("#div_id_files").scroll_into_view_if_needed()  # Uppy loads as the files come near
    page.wait_for_function("!!(window.Uppy && window.BackCareCdChoice)")
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    cdp.send("HeapProfiler.collectGarbage")
    before = heap_used(page)

    # Baseline: the bare input, same folder, same page, same slow-down.
    page.evaluate(BARE_INPUT)
    page.locator("#bare-input").set_input_files(folder)
    page.wait_for_function("!!window.__bare")
    bare = page.evaluate("window.__bare")
    page.evaluate("window.__bench.start = null")

    # A patient's pointer reaches the upload box before a folder is chosen (the parser loads then).
    page.locator("#upload-dashboard").hover()
    page.wait_for_function("!!window.dicomParser")
    if profile:
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
    page.locator("#upload-dashboard input[type=file][webkitdirectory]").set_input_files(folder)
    page.wait_for_function("!!window.__bench.shown", timeout=120_000)
    if profile:
        for name, ms in profile_summary(cdp.send("Profiler.stop")["profile"]):
            print(f"  {ms:8.1f} ms  {name}")
    figures = page.evaluate("window.__bench")
    shown = page.locator("#cd-sort-list > li").count()
    cdp.send("HeapProfiler.collectGarbage")
    after = heap_used(page)
    page.close()
    return {
        "sort_ms": round(figures["shown"] - figures["start"]),
        "bare_ms": round(bare["ms"], 1),
        "files_seen_by_bare_input": bare["files"],
        "studies_shown": shown,
        "heap_before_mb": round(before / 2**20, 1),
        "heap_peak_above_before_mb": round((figures["peak"] - before) / 2**20, 1),
        "heap_after_gc_above_before_mb": round((after - before) / 2**20, 1),
        "cd_mb": round(bare["bytes"] / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print each sort's CPU profile")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base_url = os.environ["BENCH_BASE_URL"]
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"],
        )
        for dicomdir in (True, False):
            folder = cd_folder(dicomdir)
            runs = [one_run(browser, base_url, folder, args.profile) for _ in range(args.runs)]
            name = "with DICOMDIR" if dicomdir else "without DICOMDIR (every header read)"
            results[name] = {
                "runs": runs,
                "median_sort_ms": statistics.median(r["sort_ms"] for r in runs),
                "median_bare_ms": statistics.median(r["bare_ms"] for r in runs),
                "max_heap_peak_above_before_mb": max(r["heap_peak_above_before_mb"] for r in runs),
            }
            print(name, json.dumps(results[name]))
        browser.close()
    results["files"] = FILES
    results["cpu_throttling_rate"] = 4
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
