"""What the library keeps between requests: cards and the page frame per content version, whole
pages under a normalised URL, searches in a bounded cache of their own; and that edits still show."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from exercises.models import STAMP_CACHE_KEY, Exercise, Status
from tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db


def rendered(response) -> list[str]:
    return [template.name for template in response.templates]


def reads(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_a_second_unique_search_runs_no_query_and_renders_no_card_or_frame_again(client, seeded):
    first = client.get("/exercises/", {"q": "knee -zz1"})
    assert "exercises/_card.html" in rendered(first)
    assert "exercises/library.html" in rendered(first)
    with CaptureQueriesContext(connection) as captured:
        second = client.get("/exercises/", {"q": "knee -zz2"})
    assert second.status_code == HTTPStatus.OK
    assert reads(captured) == []  # its plain words parsed in Python (exercises/search_words.py)
    assert "exercises/_card.html" not in rendered(second)
    assert "exercises/library.html" not in rendered(second)
    # The kept parts still make the whole page: the search, its results, why each matched.
    assert first.text.replace("zz1", "zz2") == second.text
    assert "Matched in:" in second.text
    assert 'value="knee -zz2"' in second.text


def test_unknown_query_parameters_share_the_page_and_its_etag(client):
    exercise = ExerciseFactory()
    url = exercise.get_absolute_url()
    first = client.get(url)
    with CaptureQueriesContext(connection) as captured:
        tagged = client.get(url, {"utm_source": "mail", "fbclid": "abc123"})
    assert reads(captured) == []
    assert tagged["ETag"] == first["ETag"]
    assert tagged.content == first.content


def test_library_parameters_are_normalised_for_the_cache_key(client, seeded):
    a = client.get("/exercises/?category=core&no_floor=on&utm_id=1")
    b = client.get("/exercises/?no_floor=on&utm_id=2&category=core&position=")
    assert a["ETag"] == b["ETag"]
    assert a.content == b.content
    # An invalid value is ignored, as the filter ignores it: the page is the plain library.
    assert client.get("/exercises/?category=nonsense")["ETag"] == client.get("/exercises/")["ETag"]
    assert client.get("/exercises/?category=stretch")["ETag"] != a["ETag"]


def test_a_flood_of_unique_searches_does_not_evict_the_popular_pages(client, seeded):
    exercise = Exercise.objects.get(slug="glute-bridge")
    assert client.get(exercise.get_absolute_url()).status_code == HTTPStatus.OK
    assert client.get("/exercises/").status_code == HTTPStatus.OK
    bound = settings.CACHES["listings"]["OPTIONS"]["MAX_ENTRIES"]
    for n in range(bound + 50):
        assert client.get("/exercises/", {"q": f"knee -flood{n}"}).status_code == HTTPStatus.OK
    with CaptureQueriesContext(connection) as captured:
        assert client.get(exercise.get_absolute_url()).status_code == HTTPStatus.OK
        assert client.get("/exercises/").status_code == HTTPStatus.OK
    assert reads(captured) == []


def test_an_edit_shows_in_search_results_at_once(client, seeded):
    assert "Bridge" in client.get("/exercises/", {"q": "knee"}).text
    exercise = Exercise.objects.get(slug="glute-bridge")
    exercise.title = "Hip bridge"
    exercise.save()
    for params in ({"q": "knee"}, {"q": "knee -zz3"}, {}, {"category": exercise.category}):
        html = client.get("/exercises/", params).text
        assert "Hip bridge" in html, params


def test_staff_previews_of_search_results_are_never_kept_for_the_public(client, admin_client):
    ExerciseFactory(title="Wall slide", status=Status.PUBLISHED)
    ExerciseFactory(title="Wall push draft", status=Status.DRAFT)
    staff = admin_client.get("/exercises/", {"q": "wall"}).text
    assert "Wall push draft" in staff
    assert "Draft</span>" in staff
    public = client.get("/exercises/", {"q": "wall"}).text
    assert "Wall slide" in public
    assert "Wall push draft" not in public
    assert "Draft</span>" not in public


def test_an_edit_from_another_process_shows_to_staff_at_once_and_publicly_after_the_stamp_window(
    client, admin_client
):
    exercise = ExerciseFactory(title="Gentle bridge")
    url = exercise.get_absolute_url()
    assert "Gentle bridge" in client.get(url).text
    # An edit made by another web process: no signal clears this process's stamp.
    Exercise.objects.filter(pk=exercise.pk).update(title="Gentle hip bridge", updated_at=now())
    assert "Gentle hip bridge" in admin_client.get(url).text
    assert "Gentle bridge" in client.get(url).text
    # The stamp is kept for STAMP_CACHE_SECONDS; its expiry is what deleting it stands in for.
    caches["default"].delete(STAMP_CACHE_KEY)
    assert "Gentle hip bridge" in client.get(url).text
