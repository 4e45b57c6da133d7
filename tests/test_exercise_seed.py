"""The seed content: enough of it, loaded idempotently, plain language, with real pictures."""

from pathlib import Path

import pytest
import textstat
from django.conf import settings
from django.core.management import call_command

from exercises.models import Exercise, Routine, Status

pytestmark = pytest.mark.django_db

MAX_GRADE = 8.0
# Every text a patient reads as an instruction or explanation (titles are names, not sentences).
EXERCISE_TEXTS = [
    "summary",
    "why_it_helps",
    "one_repetition",
    "dosage_note",
    "easier_version",
    "progression",
    "feel",
    "illustration_alt",
]
EXERCISE_LINE_TEXTS = ["mistakes", "stop_if", "precautions"]


def seed_texts():
    for exercise in Exercise.objects.prefetch_related("steps"):
        for field in EXERCISE_TEXTS:
            if text := getattr(exercise, field):
                yield f"{exercise.slug}.{field}", text
        for field in EXERCISE_LINE_TEXTS:
            for n, line in enumerate(getattr(exercise, field).splitlines(), 1):
                yield f"{exercise.slug}.{field}[{n}]", line
        for step in exercise.steps.all():
            yield f"{exercise.slug}.step[{step.order}]", step.text
        for line in exercise.dosage():
            yield f"{exercise.slug}.dosage", line
    for routine in Routine.objects.prefetch_related("items__exercise"):
        for field in ["summary", "who_for", "how_often"]:
            yield f"routine {routine.slug}.{field}", getattr(routine, field)
        for item in routine.items.all():
            for line in item.dosage():
                yield f"routine {routine.slug}.item", line


def test_seed_has_at_least_twelve_published_exercises_and_three_routines(seeded):
    assert Exercise.objects.published().count() >= 12
    assert Routine.objects.published().count() >= 3
    for routine in Routine.objects.all():
        assert routine.items.count() >= 4


def test_seed_includes_the_clinics_three_exercises(seeded):
    core = Exercise.objects.get(slug="core-bracing")
    assert core.category == "core"
    knee = Exercise.objects.get(slug="knee-to-chest")
    assert knee.category == "stretch"
    assert "strength" in knee.why_it_helps  # offered beside strength work, not instead of it
    lunge = Exercise.objects.get(slug="lunge")
    steps = " ".join(lunge.steps.values_list("text", flat=True))
    assert "90 degrees" in steps
    assert "back straight" in steps
    # Today's cue: the knee follows the toes and may pass the ankle ("not past your toes" is out of date).
    assert "pointing the same way as your toes" in steps
    assert "past your ankle" in steps
    assert "not past your toes" not in steps


def test_every_seed_text_reads_at_grade_eight_or_below(seeded):
    texts = list(seed_texts())
    assert len(texts) > 300
    too_hard = {
        where: round(textstat.flesch_kincaid_grade(text), 1)
        for where, text in texts
        if textstat.flesch_kincaid_grade(text) > MAX_GRADE
    }
    assert too_hard == {}


def test_every_exercise_says_what_one_time_is_how_much_and_when_to_stop(seeded):
    for exercise in Exercise.objects.all():
        assert exercise.steps.count() >= 4, exercise.slug
        assert exercise.one_repetition.startswith("One time is"), exercise.slug
        assert exercise.dosage(), exercise.slug
        assert exercise.times_per_day, exercise.slug
        assert len(exercise.stop_if_list()) >= 3, exercise.slug
        assert exercise.precaution_list(), exercise.slug
        assert exercise.feel, exercise.slug


def test_every_exercise_has_its_own_drawing_with_descriptive_alt_text(seeded):
    illustrations = set()
    for exercise in Exercise.objects.all():
        path = Path(settings.BASE_DIR) / "static" / exercise.illustration
        assert path.read_bytes().startswith(b"<svg"), exercise.slug
        illustrations.add(exercise.illustration)
        assert "image of" not in exercise.illustration_alt.lower()
        assert len(exercise.illustration_alt.split()) >= 8, exercise.slug
    assert len(illustrations) == Exercise.objects.count()


def test_seeding_twice_changes_nothing(seeded):
    before = list(Exercise.objects.values_list("slug", "updated_at").order_by("slug"))
    call_command("seed_exercises", verbosity=0)
    assert list(Exercise.objects.values_list("slug", "updated_at").order_by("slug")) == before
    assert Routine.objects.count() == 3


def test_seeding_again_keeps_staff_edits_and_restores_deleted_items(seeded):
    Exercise.objects.filter(slug="walking").update(summary="Staff wrote this.", status=Status.DRAFT)
    Exercise.objects.get(slug="pelvic-tilt").routine_items.all().delete()
    Exercise.objects.filter(slug="pelvic-tilt").delete()
    call_command("seed_exercises", verbosity=0)
    walking = Exercise.objects.get(slug="walking")
    assert walking.summary == "Staff wrote this."
    assert walking.status == Status.DRAFT
    assert Exercise.objects.get(slug="pelvic-tilt").steps.count() >= 4


def test_reset_rewrites_seeded_content(seeded):
    Exercise.objects.filter(slug="walking").update(summary="Staff wrote this.")
    call_command("seed_exercises", "--reset", verbosity=0)
    assert Exercise.objects.get(slug="walking").summary != "Staff wrote this."
    assert Exercise.objects.count() == 13
