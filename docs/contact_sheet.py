"""Render every exercise figure beside its steps into docs/figures.png, for a clinician to check.

Run: .venv/bin/python docs/contact_sheet.py   (uses Debian's Chromium through Playwright)
The sheet is built from the seed text and the SVG files, so it shows exactly what patients see.
"""

import html
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exercises.seed_content import EXERCISES  # noqa: E402 (after the path is set)

OUT = ROOT / "docs" / "figures.png"
STYLE = """
body { font: 13px/1.35 sans-serif; margin: 16px; width: 1180px; color: #1b1b1b; }
h1 { font-size: 20px; margin: 0 0 12px; }
.sheet { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.cell { display: grid; grid-template-columns: 300px 1fr; gap: 10px; border: 1px solid #ccc;
        padding: 8px; break-inside: avoid; }
.cell img { width: 300px; height: 200px; border: 1px solid #eee; }
h2 { font-size: 15px; margin: 0 0 4px; }
ol { margin: 0; padding-left: 18px; }
.alt { color: #555; font-style: italic; margin: 4px 0 0; }
"""


def cell(exercise: dict) -> str:
    svg = (ROOT / "static" / exercise["illustration"]).as_uri()
    steps = "".join(f"<li>{html.escape(s)}</li>" for s in exercise["steps"])
    return (
        f'<div class="cell"><img src="{svg}" alt=""><div>'
        f"<h2>{html.escape(exercise['title'])}</h2><ol>{steps}</ol>"
        f'<p class="alt">Alt text: {html.escape(exercise["illustration_alt"])}</p></div></div>'
    )


def main() -> None:
    page_html = (
        f"<!doctype html><meta charset=utf-8><style>{STYLE}</style>"
        "<h1>BackCare exercise figures and their steps</h1>"
        f'<div class="sheet">{"".join(cell(e) for e in EXERCISES)}</div>'
    )
    source = ROOT / "docs" / ".contact-sheet.html"
    source.write_text(page_html)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1212, "height": 800})
            page.goto(source.as_uri())
            page.screenshot(path=OUT, full_page=True)
            browser.close()
    finally:
        source.unlink()
    print(f"Wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
