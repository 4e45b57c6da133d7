"""Exercises and routines: only published content is public; steps feed the search copy."""

import pytest
from django.contrib.auth.models import AnonymousUser, User

from exercises.models import Exercise, Routine, Status, content_stamp
from tests.factories import ExerciseFactory, RoutineFactory, RoutineItemFactory

pytestmark = pytest.mark.django_db


def test_published_excludes_drafts():
    live = ExerciseFactory()
    ExerciseFactory(status=Status.DRAFT)
    assert list(Exercise.objects.published()) == [live]


def test_drafts_are_visible_to_staff_only():
    ExerciseFactory()
    ExerciseFactory(status=Status.DRAFT)
    staff = User(username="staff", is_staff=True)
    assert Exercise.objects.visible_to(AnonymousUser()).count() == 1
    assert Exercise.objects.visible_to(staff).count() == 2


def test_routine_published_excludes_drafts():
    live = RoutineFactory()
    RoutineFactory(status=Status.DRAFT)
    assert list(Routine.objects.published()) == [live]


def test_content_version_follows_what_the_patient_reads_only():
    exercise = ExerciseFactory()
    version = exercise.content_version()
    exercise.status = Status.DRAFT  # publishing is not a change of content
    assert Exercise.objects.get(pk=exercise.pk).content_version() == version
    exercise.feel = "Something else."
    assert exercise.content_version() != version


def test_saving_a_step_updates_the_searchable_copy_and_the_stamp():
    exercise = ExerciseFactory(steps=["Lie on your back."])
    before, _ = content_stamp()
    step = exercise.steps.get()
    step.text = "Kneel on a cushion."
    step.save()
    exercise.refresh_from_db()
    assert exercise.steps_text == "Kneel on a cushion."
    assert content_stamp()[0] != before
    step.delete()
    exercise.refresh_from_db()
    assert exercise.steps_text == ""


def test_routine_item_dosage_falls_back_to_the_exercise_defaults():
    item = RoutineItemFactory(exercise=ExerciseFactory(reps=10, hold_seconds=5), reps=4)
    assert item.dosage() == ["Hold for 5 seconds.", "Do it 4 times."]


def test_exercise_dosage_reads_as_plain_instructions():
    exercise = ExerciseFactory(reps=8, sets=2, hold_seconds=3, times_per_day=1)
    assert exercise.dosage() == [
        "Hold for 3 seconds.",
        "Do it 8 times.",
        "Rest, then do that 2 times in all.",
        "Do this once a day.",
    ]
