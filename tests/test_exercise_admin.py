"""Staff edit exercises and routines in the admin: inline ordered steps, filters, search, preview."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from exercises.models import ContentReview, Exercise, Routine
from tests.factories import ExerciseFactory, RoutineFactory

pytestmark = pytest.mark.django_db


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{key}": value for key, value in row.items()})
    return data


EXERCISE_FORM = {
    "title": "Wall push-up",
    "slug": "wall-push-up",
    "status": "draft",
    "summary": "Push away from a wall to work your arms and trunk.",
    "why_it_helps": "It trains your trunk to stay steady.",
    "category": "strength",
    "difficulty": "gentle",
    "position": "standing",
    "equipment": "none",
    "one_repetition": "One time is one push away.",
    "reps": "10",
    "sets": "1",
    "hold_seconds": "",
    "times_per_day": "1",
    "dosage_note": "",
    "feel": "Your arms and chest working.",
    "mistakes": "Letting your hips sag.",
    "stop_if": "Your shoulder hurts.",
    "precautions": "Skip it with a shoulder injury.",
    "illustration": "img/exercises/walking.svg",
    "illustration_alt": "A person stands facing a wall with both hands flat on it.",
    "video_url": "",
    "easier_version": "Stand closer to the wall.",
    "progression": "Stand further from the wall.",
}


def test_staff_add_an_exercise_with_ordered_steps(admin_client):
    form = admin_client.get("/admin/exercises/exercise/add/")
    assert form.status_code == HTTPStatus.OK
    html = form.content.decode()
    assert "prepopulated" in html  # slug filled in from the title
    data = EXERCISE_FORM | inline(
        "steps",
        [
            {"order": "2", "text": "Bend your elbows and lean in."},
            {"order": "1", "text": "Stand an arm's length from a wall."},
            {"order": "3", "text": "Push back to standing."},
        ],
    )
    response = admin_client.post("/admin/exercises/exercise/add/", data)
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    exercise = Exercise.objects.get(slug="wall-push-up")
    assert list(exercise.steps.values_list("text", flat=True)) == [
        "Stand an arm's length from a wall.",
        "Bend your elbows and lean in.",
        "Push back to standing.",
    ]
    assert exercise.steps_text.startswith("Stand an arm's length")
    assert list(Exercise.objects.search("elbows")) == [exercise]


def test_staff_add_a_routine_with_ordered_items(admin_client):
    first, second = ExerciseFactory(), ExerciseFactory()
    data = {
        "title": "Evening wind-down",
        "slug": "evening-wind-down",
        "status": "published",
        "summary": "Slow moves before bed.",
        "who_for": "Anyone.",
        "minutes": "8",
        "how_often": "Once a day",
    } | inline(
        "items",
        [
            {"order": "2", "exercise": str(first.pk), "reps": "5"},
            {"order": "1", "exercise": str(second.pk)},
        ],
    )
    response = admin_client.post("/admin/exercises/routine/add/", data)
    assert response.status_code == HTTPStatus.FOUND
    routine = Routine.objects.get(slug="evening-wind-down")
    assert [i.exercise for i in routine.items.all()] == [second, first]


def review(item, *, days_ago: int) -> ContentReview:
    user = User.objects.create_user(f"clinician{item.pk}", is_staff=True)
    return ContentReview.objects.create(
        **{item._meta.model_name: item},
        reviewer=user,
        reviewer_name="A Clinician",
        credentials="PT",
        reviewed_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        content_version=item.content_version(),
    )


def test_exercise_list_filters_by_status_category_and_overdue_review(admin_client):
    review(ExerciseFactory(title="Old move"), days_ago=400)
    review(ExerciseFactory(title="Fresh move", status="draft", category="stretch"), days_ago=1)
    overdue = admin_client.get("/admin/exercises/exercise/", {"review": "overdue"})
    assert [e.title for e in overdue.context["cl"].result_list] == ["Old move"]
    drafts = admin_client.get("/admin/exercises/exercise/", {"status__exact": "draft"})
    assert [e.title for e in drafts.context["cl"].result_list] == ["Fresh move"]
    stretch = admin_client.get("/admin/exercises/exercise/", {"category__exact": "stretch"})
    assert [e.title for e in stretch.context["cl"].result_list] == ["Fresh move"]
    html = overdue.content.decode()
    assert "Review overdue" in html


def test_exercise_admin_searches_steps_too(admin_client):
    ExerciseFactory(title="Hidden", steps=["Hold the banister."])
    ExerciseFactory(title="Other")
    found = admin_client.get("/admin/exercises/exercise/", {"q": "banister"})
    assert [e.title for e in found.context["cl"].result_list] == ["Hidden"]


def test_view_on_site_opens_the_staff_preview_of_a_draft(admin_client, client):
    draft = ExerciseFactory(slug="draft-move", status="draft")
    change = admin_client.get(f"/admin/exercises/exercise/{draft.pk}/change/").content.decode()
    assert "View on site" in change
    assert admin_client.get("/exercises/draft-move/").status_code == HTTPStatus.OK
    assert client.get("/exercises/draft-move/").status_code == HTTPStatus.NOT_FOUND


def test_routine_admin_lists_and_filters(admin_client):
    review(RoutineFactory(title="Old routine"), days_ago=400)
    review(RoutineFactory(title="New routine"), days_ago=1)
    response = admin_client.get("/admin/exercises/routine/", {"review": "overdue"})
    assert [r.title for r in response.context["cl"].result_list] == ["Old routine"]
