"""Lighthouse performance (mobile, simulated throttling) of every public page, English and Spanish,
served as in production (tests/lighthouse_support.py). Issue #18's goal: at least 95 with a total
blocking time under 200 ms on every page. A page below it is measured again, up to five runs, and
judged on the median, as Lighthouse advises for variance. Run by `make lighthouse-performance`
(pytest, for the seeded site and its servers); figures in bench/README.md.

It is a benchmark, not part of `make test`: total blocking time is CPU time, and on the shared 2-core
machine the same page swung between 0 and 2.6 s a run (bench/README.md), so a pass or a failure there
said more about the neighbours than about the page.
"""

import json
import os
from pathlib import Path

import pytest

from tests.lighthouse_support import (
    MAX_RUNS,
    MAX_TOTAL_BLOCKING_MS,
    MIN_PERFORMANCE,
    accessibility_problems,
    lighthouse,
    plan_pages,
    site,  # noqa: F401 (a fixture)
    table,
)

RESULTS = Path(os.environ.get("LIGHTHOUSE_RESULTS", "bench/results/lighthouse-pages-latest.json"))


@pytest.mark.django_db(transaction=True)
def test_every_public_page_in_both_languages_is_fast(site, tmp_path):  # noqa: F811
    base_url, pages = site
    plan = {
        "pages": plan_pages(base_url, pages, performance=True),
        "minPerformance": MIN_PERFORMANCE,
        "maxTbt": MAX_TOTAL_BLOCKING_MS,
        "maxRuns": MAX_RUNS,
    }
    results = lighthouse(plan, tmp_path)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(table(results["pages"]))
    problems = accessibility_problems(results["pages"])
    for page in results["pages"]:
        if "runs" in page and (
            page["performance"] < MIN_PERFORMANCE or page["tbt"] >= MAX_TOTAL_BLOCKING_MS
        ):
            problems.append(
                f"{page['name']}: performance {page['performance']}, total blocking time "
                f"{page['tbt']} ms (median of {len(page['runs'])} runs)"
            )
    if problems:
        pytest.fail("\n".join(problems) + "\n\n" + table(results["pages"]))
