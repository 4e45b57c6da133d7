"""The MRI review form is valid HTML by the Nu Html Checker (the W3C's validator): in English and in
Spanish, as first shown and as it comes back with mistakes. The checker is vnu.jar, pinned by
deploy/vnu/package-lock.json and installed by `make vnu` (which `make test` runs); it runs on the
machine's Java 17. One run of the checker reads all the pages (about 3 s of CPU, most of it Java
starting)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.intake_support import intake_settings  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "deploy/vnu/node_modules/vnu-jar/build/dist/vnu.jar"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]


def nu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """The checker's errors (not its warnings) on each page, as "page:line: message"."""
    assert VNU.exists(), "the Nu Html Checker is missing: run `make vnu`"
    java = shutil.which("java")
    assert java, "Java is missing: `make vnu` installs Debian's default-jre-headless"
    files = []
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    return [f"{Path(m['url']).stem}:{m.get('lastLine')}: {m['message']}" for m in messages]


# A page with the error issue #18 found (`for` on a <legend>), checked in the same run: proof that
# the checker ran and reports, so an empty list for the form means something.
KNOWN_BAD = (
    '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><form><fieldset>'
    '<legend for="x">Pain</legend><input id="x" type="radio" name="p" value="1">'
    "</fieldset></form></body></html>"
)


def test_the_mri_form_is_valid_html_in_english_and_spanish_and_with_mistakes(client, tmp_path):
    pages = {"known-bad": KNOWN_BAD}
    for name, url in (("form-en", "/mri-review/"), ("form-es", "/es/mri-review/")):
        response = client.get(url)
        assert response.status_code == 200
        pages[name] = response.content.decode()
    response = client.post("/mri-review/", {})
    assert response.status_code == 200
    assert 'class="alert alert-danger error-summary"' in response.content.decode()
    pages["form-en-with-mistakes"] = response.content.decode()

    assert nu_errors(pages, tmp_path) == [
        "known-bad:1: Attribute “for” not allowed on element “legend” at this point."
    ]
