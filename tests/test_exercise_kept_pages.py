"""A repeat visit without cookies to a library page's plain URL is answered early
(exercises/middleware.py) with the same bytes and the same headers as the whole stack gives."""

from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from exercises.models import Exercise, Status
from tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db

PLAIN_PAGES = [
    "/exercises/",
    "/exercises/glute-bridge/",
    "/exercises/glute-bridge/print/",
    "/exercises/routines/gentle-start/",
]


def spanish(path: str) -> str:
    with translation.override("es"):
        return reverse("exercises:library") + path.removeprefix("/exercises/")


def whole_stack(client, path: str, **headers):
    """The page as every middleware and the view give it, with nothing kept anywhere."""
    for kept in caches.all(initialized_only=True):
        kept.clear()
    return client.get(path, headers=headers)


@pytest.mark.parametrize("path", PLAIN_PAGES)
def test_a_repeat_visit_is_answered_early_with_the_same_bytes_and_headers(client, seeded, path):
    first = whole_stack(client, path)
    assert first.status_code == HTTPStatus.OK
    with CaptureQueriesContext(connection) as captured:
        again = client.get(path)
    assert captured.captured_queries == []
    # Answered before the session, the language and the view: no session was even looked at.
    assert not hasattr(again.wsgi_request, "session")
    assert again.status_code == HTTPStatus.OK
    assert again.content == first.content
    assert dict(again.items()) == dict(first.items())
    for header in ("Content-Security-Policy", "X-Frame-Options", "ETag", "Content-Language"):
        assert again[header] == first[header]
    assert "Cookie" in again["Vary"]


def test_the_spanish_page_is_kept_apart_and_an_accept_language_changes_nothing(client, seeded):
    english = whole_stack(client, "/exercises/glute-bridge/")
    spanish_page = whole_stack(client, spanish("/exercises/glute-bridge/"))
    assert client.get(spanish("/exercises/glute-bridge/")).content == spanish_page.content
    asked_in_spanish = client.get("/exercises/glute-bridge/", headers={"accept-language": "es"})
    assert asked_in_spanish.content == english.content
    assert dict(asked_in_spanish.items()) == dict(english.items())


def test_an_edit_shows_at_once_and_staff_never_get_the_kept_page(client, admin_client, seeded):
    url = "/exercises/glute-bridge/"
    assert "Hip bridge" not in client.get(url).text
    assert client.get(url).status_code == HTTPStatus.OK
    exercise = Exercise.objects.get(slug="glute-bridge")
    exercise.title = "Hip bridge"
    exercise.save()
    assert "Hip bridge" in client.get(url).text
    draft = ExerciseFactory(title="Wall push draft", status=Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert client.get("/exercises/").status_code == HTTPStatus.OK
    staff = admin_client.get("/exercises/")
    assert "Wall push draft" in staff.text
    assert "private" in staff["Cache-Control"]


def test_a_visitor_with_a_cookie_goes_through_every_middleware(client, seeded):
    first = client.get("/exercises/")
    client.cookies["csrftoken"] = "x" * 32
    with_cookie = client.get("/exercises/")
    assert hasattr(with_cookie.wsgi_request, "session")
    assert with_cookie.content == first.content


@pytest.mark.parametrize("path", PLAIN_PAGES[:2])
def test_a_conditional_get_is_answered_early_as_the_view_answers_it(client, seeded, path):
    page = whole_stack(client, path)
    # The first 304 comes from the whole stack; its headers are kept beside the page.
    by_the_stack = client.get(path, headers={"if-none-match": page["ETag"]})
    assert hasattr(by_the_stack.wsgi_request, "session")
    for headers in (
        {"if-none-match": page["ETag"]},
        {"if-modified-since": page["Last-Modified"]},
        {"if-none-match": f'{page["ETag"]}, "other"'},
    ):
        early = client.get(path, headers=headers)
        assert not hasattr(early.wsgi_request, "session")
        assert early.status_code == HTTPStatus.NOT_MODIFIED
        assert dict(early.items()) == dict(by_the_stack.items())
        assert early.content == b""
    # An ETag that no longer matches gets the page, as from the view.
    stale = client.get(path, headers={"if-none-match": '"stale"'})
    assert not hasattr(stale.wsgi_request, "session")
    assert stale.status_code == HTTPStatus.OK
    assert stale.content == page.content
    assert dict(stale.items()) == dict(page.items())
    # If-Match is left to the view.
    assert hasattr(client.get(path, headers={"if-match": '"x"'}).wsgi_request, "session")


def test_a_host_that_is_not_allowed_is_refused_even_for_a_kept_page(client, seeded):
    assert client.get("/exercises/").status_code == HTTPStatus.OK
    assert client.get("/exercises/", headers={"host": "evil.example"}).status_code == (
        HTTPStatus.BAD_REQUEST
    )


@pytest.mark.parametrize("path", PLAIN_PAGES)
def test_parameters_the_page_does_not_read_get_the_plain_pages_early_answer(client, seeded, path):
    # A shared link's tracking parameters: the view shows the plain page for them (same ETag).
    tagged = f"{path}?utm_source=newsletter&fbclid=abc123&utm_id="
    first = whole_stack(client, tagged)
    plain = whole_stack(client, path)
    assert first.content == plain.content
    assert dict(first.items()) == dict(plain.items())
    with CaptureQueriesContext(connection) as captured:
        again = client.get(f"{path}?utm_id=7")
    assert captured.captured_queries == []
    assert not hasattr(again.wsgi_request, "session")
    assert again.content == plain.content
    assert dict(again.items()) == dict(plain.items())


def test_a_tagged_first_visit_is_kept_for_the_plain_url(client, seeded):
    tagged = whole_stack(client, "/exercises/glute-bridge/?utm_source=clinic-leaflet")
    plain = client.get("/exercises/glute-bridge/")
    assert not hasattr(plain.wsgi_request, "session")
    assert plain.content == tagged.content


@pytest.mark.parametrize(
    "query",
    ["q=knee", "utm_id=1&category=stretch", "no_floor=on", "q=", "%71=knee", "category=nonsense"],
)
def test_a_parameter_the_library_reads_goes_through_every_middleware(client, seeded, query):
    plain = client.get("/exercises/")
    assert client.get("/exercises/").status_code == HTTPStatus.OK  # kept by now
    response = client.get(f"/exercises/?{query}")
    assert hasattr(response.wsgi_request, "session")
    assert response.status_code == HTTPStatus.OK
    if query.startswith(("q=knee", "%71")):
        assert response.content != plain.content
    # Nor is what it gives kept for the plain URL.
    assert client.get("/exercises/").content == plain.content
