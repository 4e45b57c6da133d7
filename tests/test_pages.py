"""Site-wide pages: home, privacy, errors, and the headers every response carries."""

from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_leads_to_the_exercises_and_the_mri_review(client):
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'href="/exercises/"' in html
    assert 'href="/mri-review/"' in html
    assert 'href="#main"' in html  # skip link
    assert "Call 911" in html


def test_security_headers_are_strict(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "nonce-" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_carry_no_inline_script_or_style(client):
    for url in ["/", "/privacy/"]:
        html = client.get(url).content.decode()
        assert "<script>" not in html
        assert " style=" not in html
        assert "<style" not in html


def test_static_files_are_linked_by_hashed_name(client):
    html = client.get("/").content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min." in html
    assert 'bootstrap.min.css"' not in html


def test_privacy_notice_is_published(client):
    response = client.get("/privacy/")
    assert response.status_code == HTTPStatus.OK
    assert "Who can see it" in response.content.decode()


def test_unknown_page_shows_our_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "We could not find that page" in response.content.decode()
