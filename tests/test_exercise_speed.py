"""Library and detail pages: a constant number of queries, and conditional GET that follows edits."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exercises.models import Exercise, Status
from tests.factories import ExerciseFactory, RoutineItemFactory

pytestmark = pytest.mark.django_db


def library_with(n: int) -> Exercise:
    exercises = ExerciseFactory.create_batch(n, steps=["Lie down.", "Breathe.", "Lift."])
    for other in exercises[1:]:
        exercises[0].alternatives.add(other)
        RoutineItemFactory(exercise=other)
    exercises[0].easier = exercises[1]
    exercises[0].harder = exercises[-1]
    exercises[0].save()
    return exercises[0]


def count_queries(client, django_assert_max_num_queries, url: str) -> int:
    with django_assert_max_num_queries(50) as captured:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/exercises/",
        "/exercises/?q=breathe&no_floor=",
        "/exercises/{slug}/",
        "/exercises/{slug}/print/",
        "/exercises/routines/{routine}/",
        "/exercises/routines/{routine}/print/",
    ],
)
def test_query_count_does_not_grow_with_the_library(
    client, django_assert_num_queries, django_assert_max_num_queries, url
):
    small = library_with(3)
    routine = small.routine_items.first() or RoutineItemFactory(exercise=small)
    small_url = url.format(slug=small.slug, routine=routine.routine.slug)
    baseline = count_queries(client, django_assert_max_num_queries, small_url)

    big = library_with(12)
    # Fill the small routine and exercise up to the big size too.
    for other in Exercise.objects.exclude(pk=small.pk)[:12]:
        small.alternatives.add(other)
        RoutineItemFactory(routine=routine.routine, exercise=other)
    assert big.alternatives.count() == 11
    with django_assert_num_queries(baseline):
        assert client.get(small_url).status_code == HTTPStatus.OK


def test_library_and_exercise_answer_conditional_gets(client):
    exercise = ExerciseFactory()
    for url in ["/exercises/", exercise.get_absolute_url()]:
        first = client.get(url)
        assert first["ETag"]
        assert first["Last-Modified"]
        assert "no-cache" in first["Cache-Control"]
        again = client.get(url, headers={"if-none-match": first["ETag"]})
        assert again.status_code == HTTPStatus.NOT_MODIFIED
        since = client.get(url, headers={"if-modified-since": first["Last-Modified"]})
        assert since.status_code == HTTPStatus.NOT_MODIFIED


@pytest.mark.parametrize("edit", ["exercise", "step", "new", "delete", "routine_item"])
def test_any_staff_edit_changes_the_etag(client, edit):
    exercise = ExerciseFactory()
    other = ExerciseFactory()
    item = RoutineItemFactory(exercise=other)
    first = client.get(exercise.get_absolute_url())
    match edit:
        case "exercise":
            exercise.summary = "Changed by staff."
            exercise.save()
        case "step":
            step = exercise.steps.first()
            step.text = "A clearer step."
            step.save()
        case "new":
            ExerciseFactory()
        case "delete":
            item.delete()
            other.delete()
        case "routine_item":
            item.reps = 3
            item.save()
    again = client.get(exercise.get_absolute_url(), headers={"if-none-match": first["ETag"]})
    assert again.status_code == HTTPStatus.OK
    assert again["ETag"] != first["ETag"]


def test_staff_and_public_get_different_etags(client, admin_client):
    exercise = ExerciseFactory()
    public = client.get(exercise.get_absolute_url())
    staff = admin_client.get(exercise.get_absolute_url())
    assert public["ETag"] != staff["ETag"]


def test_a_repeat_public_visit_runs_no_query(client):
    exercise = ExerciseFactory()
    for url in ["/exercises/", exercise.get_absolute_url()]:
        assert client.get(url).status_code == HTTPStatus.OK
        with CaptureQueriesContext(connection) as captured:
            again = client.get(url)
        # Only ATOMIC_REQUESTS' savepoint inside the test's transaction; no read at all.
        assert all("SAVEPOINT" in query["sql"] for query in captured.captured_queries)
        assert again.status_code == HTTPStatus.OK
        assert "Cookie" in again["Vary"]


def test_a_cached_page_shows_a_staff_edit_at_once(client):
    exercise = ExerciseFactory(title="Gentle bridge")
    assert "Gentle bridge" in client.get(exercise.get_absolute_url()).text
    exercise.title = "Gentle hip bridge"
    exercise.save()
    assert "Gentle hip bridge" in client.get(exercise.get_absolute_url()).text
    assert "Gentle hip bridge" in client.get("/exercises/").text


def test_a_cached_public_page_is_never_shown_to_staff(client, admin_client):
    published = ExerciseFactory(title="Cat and camel")
    ExerciseFactory(title="Draft move", status=Status.DRAFT)
    assert "Draft move" not in client.get("/exercises/").text
    assert "Draft move" in admin_client.get("/exercises/").text
    assert "Cat and camel" in admin_client.get(published.get_absolute_url()).text
