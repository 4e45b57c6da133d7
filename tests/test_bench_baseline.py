"""The benchmark's bare views exist only when BENCHMARK_BASELINE turns them on."""

import importlib
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches

from backcare import urls


@pytest.fixture
def baseline_on(settings):
    settings.BENCHMARK_BASELINE = True
    importlib.reload(urls)
    clear_url_caches()
    yield
    settings.BENCHMARK_BASELINE = False
    importlib.reload(urls)
    clear_url_caches()


def test_the_setting_is_off_unless_asked_for(settings):
    assert settings.BENCHMARK_BASELINE is False


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/_bench/bytes/100", "/_bench/sink"])
def test_baseline_views_are_absent_by_default(client, path):
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND
    assert client.post(path, b"x", content_type="text/plain").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
@pytest.mark.usefixtures("baseline_on")
def test_baseline_bytes_view_answers_exactly_that_many_bytes(client):
    response = client.get("/_bench/bytes/1234")
    assert response.status_code == HTTPStatus.OK
    assert len(response.content) == 1234


@pytest.mark.django_db
@pytest.mark.usefixtures("baseline_on")
def test_baseline_sink_reads_the_whole_body_and_keeps_nothing(client, private_storage):
    response = client.post(
        "/_bench/sink", b"y" * 3_000_000, content_type="application/octet-stream"
    )
    assert response.status_code == HTTPStatus.OK
    assert response.content == b"3000000"
    assert private_storage.names() == []


@pytest.mark.django_db
@pytest.mark.usefixtures("baseline_on")
def test_baseline_bytes_view_runs_no_transaction_and_no_query(client):
    """Truly bare: no ATOMIC_REQUESTS transaction (the pages run none) and its own ETag, so
    ConditionalGetMiddleware does not hash its body (it does not hash the pages' either)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/_bench/bytes/20000")
    assert captured.captured_queries == []
    assert response["ETag"]
    assert len(response.content) == 20000
