"""English at the plain URLs, Spanish under /es/: lang, hreflang, the switch, the sitemap, the catalogue check."""

import gettext
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest

from backcare import translations

pytestmark = pytest.mark.django_db

PAGES = [("/", "/es/"), ("/privacy/", "/es/privacy/"), ("/mri-review/", "/es/mri-review/")]


def _alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', html))


@pytest.mark.parametrize(("english", "spanish"), PAGES)
def test_each_public_page_answers_in_both_languages_with_the_right_lang(client, english, spanish):
    english_html = client.get(english).content.decode()
    spanish_response = client.get(spanish)
    assert spanish_response.status_code == HTTPStatus.OK
    spanish_html = spanish_response.content.decode()
    assert '<html lang="en">' in english_html
    assert '<html lang="es">' in spanish_html
    assert "Ir al contenido principal" in spanish_html
    assert "Skip to main content" not in spanish_html


@pytest.mark.parametrize(("english", "spanish"), PAGES)
def test_both_languages_link_to_each_other_with_hreflang(client, settings, english, spanish):
    settings.SITE_URL = "https://backcare.example.org"
    for url in (english, spanish):
        alternates = _alternates(client.get(url).content.decode())
        assert alternates == {
            "en": f"https://backcare.example.org{english}",
            "x-default": f"https://backcare.example.org{english}",
            "es": f"https://backcare.example.org{spanish}",
        }


@pytest.mark.parametrize(("english", "spanish"), PAGES)
def test_the_language_switch_keeps_the_page(client, english, spanish):
    english_html = client.get(english).content.decode()
    assert f'href="{spanish}" lang="es" hreflang="es">Español</a>' in english_html
    spanish_html = client.get(spanish).content.decode()
    assert f'href="{english}" lang="en" hreflang="en">English</a>' in spanish_html


def test_machine_and_staff_urls_have_no_spanish_twin(client):
    assert client.get("/healthz").status_code == HTTPStatus.OK
    for url in ("/es/healthz", "/es/admin/", "/es/sitemap.xml", "/es/robots.txt"):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url


def test_an_accept_language_header_does_not_change_an_english_url(client):
    html = client.get("/", headers={"accept-language": "es"}).content.decode()
    assert '<html lang="en">' in html


def test_the_spanish_form_sends_files_to_the_unprefixed_upload_endpoint(client):
    html = client.get("/es/mri-review/").content.decode()
    assert 'data-endpoint="/mri-review/uploads/"' in html
    assert 'data-session-url="/mri-review/upload-session/"' in html
    assert '"browseFiles": "elija archivos"' in html


def test_the_sitemap_lists_each_page_in_both_languages_with_alternates(client):
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/mri-review/</loc>" in xml
    assert "<loc>http://testserver/es/mri-review/</loc>" in xml
    assert 'hreflang="es" href="http://testserver/es/mri-review/"' in xml
    assert 'hreflang="x-default" href="http://testserver/mri-review/"' in xml


# --- make lint's catalogue check ----------------------------------------------------------------

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: es\\n"\n\n'


def _po(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "django.po"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_the_catalogue_check_passes_a_complete_catalogue(tmp_path):
    po = _po(tmp_path, 'msgid "Privacy"\nmsgstr "Privacidad"\n')
    assert translations.catalogue_problems(po) is None


def test_the_catalogue_check_fails_on_an_empty_msgstr(tmp_path):
    po = _po(tmp_path, 'msgid "Privacy"\nmsgstr "Privacidad"\n\nmsgid "Exercises"\nmsgstr ""\n')
    assert "1 untranslated" in translations.catalogue_problems(po)


def test_the_catalogue_check_fails_on_a_fuzzy_string(tmp_path):
    po = _po(tmp_path, '#, fuzzy\nmsgid "Privacy"\nmsgstr "Privado"\n')
    assert "1 fuzzy" in translations.catalogue_problems(po)


def test_the_catalogue_check_exits_non_zero_so_make_lint_stops(tmp_path):
    po = _po(tmp_path, 'msgid "Exercises"\nmsgstr ""\n')
    command = [sys.executable, "-m", "backcare.translations", str(po)]
    failed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert failed.returncode == 1
    assert "untranslated" in failed.stderr


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def test_the_committed_spanish_catalogues_are_complete_and_compiled(tmp_path):
    catalogues = translations.spanish_catalogues()
    assert catalogues
    for po in catalogues:
        assert translations.catalogue_problems(po) is None
        committed = po.with_suffix(".mo")
        assert committed.exists(), f"{committed} is missing: run make messages"
        fresh = tmp_path / "fresh.mo"
        subprocess.run(["msgfmt", "-o", str(fresh), str(po)], check=True)
        assert _catalog(committed) == _catalog(fresh), f"{committed} is stale: run make messages"
