"""The empty form page is rendered once per process; each GET brings its own one-time tokens."""

import re
from http import HTTPStatus

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TOKENS = re.compile(r'name="(csrfmiddlewaretoken|submission_token)" value="([^"]+)"')


def tokens(html: str) -> dict[str, str]:
    return dict(TOKENS.findall(html))


def test_each_get_has_its_own_tokens_and_renders_no_template_again():
    first, second = Client().get("/mri-review/"), Client().get("/mri-review/")
    assert first.status_code == second.status_code == HTTPStatus.OK
    assert second.templates == []
    a, b = tokens(first.text), tokens(second.text)
    assert set(a) == set(b) == {"csrfmiddlewaretoken", "submission_token"}
    assert a["csrfmiddlewaretoken"] != b["csrfmiddlewaretoken"]
    assert a["submission_token"] != b["submission_token"]
    assert "\x00" not in second.text
    # Apart from its tokens, the page is the one rendered for the first visitor.
    assert TOKENS.sub("", first.text) == TOKENS.sub("", second.text)
    assert second.cookies["csrftoken"].value
    assert "no-store" in second["Cache-Control"]


def test_a_changed_setting_is_in_the_next_page(client, settings):
    client.get("/mri-review/")
    settings.INTAKE_MAX_FILES = 7
    assert 'data-max-files="7"' in client.get("/mri-review/").text
