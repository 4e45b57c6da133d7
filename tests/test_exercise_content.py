"""The clinical content itself: one bracing technique, 911 for chest pain, a no-floor routine that
needs no balance, precautions on paper, easier and harder versions, one message about discomfort."""

import html
import itertools
import re
from pathlib import Path

import pytest
import textstat
from django.conf import settings
from django.template.loader import render_to_string

from exercises.models import Exercise, Routine
from exercises.seed_content import EXERCISES, ROUTINES

pytestmark = pytest.mark.django_db

DISCOMFORT = (
    "a mild ache that settles within a day is expected. "
    "Sharp, spreading or worsening pain means stop and ask for advice."
)
CHEST_PAIN_911 = "<strong>Call 911 now</strong> if you get chest pain"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def seed_strings() -> list[str]:
    out = []
    for item in [*EXERCISES, *ROUTINES]:
        for value in item.values():
            values = value if isinstance(value, list) else [value]
            out.extend(v for v in values if isinstance(v, str))
    return out


def exercise_urls():
    return [f"/exercises/{e['slug']}/" for e in EXERCISES] + [
        f"/exercises/{e['slug']}/print/" for e in EXERCISES
    ]


def test_core_bracing_teaches_one_technique_bracing():
    for slug in ("core-bracing", "seated-core-bracing"):
        (exercise,) = [e for e in EXERCISES if e["slug"] == slug]
        text = " ".join([*exercise["steps"], exercise["feel"], exercise["why_it_helps"]]).lower()
        assert "belly button in" not in text, slug
        assert "toward your spine" not in text, slug
        assert "hollow" not in text, slug
        assert "do not pull" in text, slug  # bracing: firm, neither drawn in nor pushed out
        assert "firm" in text, slug


def test_chest_pain_is_911_on_every_exercise_page_and_never_just_stop_and_ask(client, seeded):
    walking = Exercise.objects.get(slug="walking")
    assert "chest" not in walking.stop_if.lower()
    for url in [*exercise_urls(), "/exercises/routines/gentle-start/"]:
        assert CHEST_PAIN_911 in page(client, url), url
    handout = page(client, "/exercises/routines/gentle-start/print/")
    assert "call 911 for chest pain" in handout


def test_the_no_floor_routine_holds_only_gentle_sitting_and_standing_moves(seeded):
    routine = Routine.objects.get(slug="no-floor-needed")
    items = list(routine.items.select_related("exercise"))
    assert len(items) >= 4
    for item in items:
        exercise = item.exercise
        assert exercise.no_floor, exercise.slug
        assert exercise.difficulty != "harder", exercise.slug
        assert "balance" not in exercise.precautions, exercise.slug
    assert "lunge" not in [item.exercise.slug for item in items]


def test_print_views_and_handouts_carry_every_precaution(client, seeded):
    for exercise in Exercise.objects.all():
        sheet = page(client, exercise.get_print_url())
        assert "Take care if…" in sheet
        for line in exercise.precaution_list():
            assert line in sheet, (exercise.slug, line)
    for routine in Routine.objects.all():
        handout = page(client, routine.get_print_url())
        assert "Take care if…" in handout
        for item in routine.items.select_related("exercise"):
            for line in item.exercise.precaution_list():
                assert line in handout, (routine.slug, line)
    curl = page(client, "/exercises/partial-curl/print/")
    assert "weak bones" in curl
    assert "pregnant" in curl


def test_every_exercise_has_an_easier_and_a_harder_version_on_screen_and_paper(client, seeded):
    for exercise in Exercise.objects.all():
        assert exercise.easier_version.strip(), exercise.slug
        assert exercise.progression.strip(), exercise.slug
        for url in (exercise.get_absolute_url(), exercise.get_print_url()):
            text = page(client, url)
            assert f"Too hard?</strong> {exercise.easier_version}" in text, url
            assert f"Feels easy?</strong> {exercise.progression}" in text, url


def test_discomfort_is_said_one_way_everywhere(client, seeded):
    mixed_messages = ["should not hurt", "not be painful", "may ache", "should not be painful"]
    for text in seed_strings():
        for phrase in mixed_messages:
            assert phrase not in text.lower(), text
    urls = [
        *exercise_urls(),
        *(f"/exercises/routines/{r['slug']}/" for r in ROUTINES),
    ]
    for url in urls:
        assert DISCOMFORT in page(client, url), url
    handout = page(client, "/exercises/routines/core-stability/print/")
    assert "a mild ache that settles within a day is expected." in handout


def test_no_blanket_safety_claims_and_an_up_to_date_lunge_cue(client, seeded):
    for text in seed_strings():
        assert not re.search(r"\bsafe(ly)?\b", text, re.I), text
    library = page(client, "/exercises/")
    assert not re.search(r"\bsafe\b", library, re.I)
    assert "Checked by our" not in library
    lunge = " ".join(Exercise.objects.get(slug="lunge").steps.values_list("text", flat=True))
    assert "not past your toes" not in lunge
    assert "past your toes" not in Exercise.objects.get(slug="lunge").mistakes


def test_the_surgery_review_suggestion_follows_nice_ng59(client, seeded):
    text = page(client, "/exercises/walking/")
    assert "weeks even with exercise" not in text
    assert "NG59" not in text  # the template's note to maintainers stays out of the page
    assert "6 to 12 weeks" in text
    assert "sciatica" in text


def test_the_shared_safety_texts_read_at_grade_eight_or_below():
    for template in [
        "exercises/_mri_review.html",
        "exercises/_discomfort.html",
        "exercises/_chest_pain.html",
    ]:
        words = re.sub(r"<[^>]+>|\{[%#{].*?[%#}]\}", " ", render_to_string(template), flags=re.S)
        assert textstat.flesch_kincaid_grade(" ".join(words.split())) <= 8.0, template


def test_the_contact_sheet_shows_every_figure():
    docs = Path(settings.BASE_DIR) / "docs"
    sheet = (docs / "figures.md").read_text()
    for exercise in EXERCISES:
        assert exercise["illustration"].rsplit("/", 1)[1] in sheet, exercise["slug"]
    png = (docs / "figures.png").read_bytes()
    assert png.startswith(b"\x89PNG")


def _segments(d: str):
    """Straight segments of an SVG path made of absolute M and L commands (curves are skipped)."""
    if re.search(r"[^MLml0-9.,\s-]", d):
        return
    for part in re.split(r"(?=M)", d):
        points = [tuple(map(float, p)) for p in re.findall(r"(-?[\d.]+)[ ,](-?[\d.]+)", part)]
        yield from itertools.pairwise(points)


def _distance(c, a, b) -> float:
    (cx, cy), (ax, ay), (bx, by) = c, a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((cx - ax) * dx + (cy - ay) * dy) / (dx * dx + dy * dy or 1)))
    return ((ax + t * dx - cx) ** 2 + (ay + t * dy - cy) ** 2) ** 0.5


def test_no_limb_in_any_figure_passes_through_the_head():
    # The bird dog's reaching arm used to cross the head; no drawing may do that again.
    for exercise in EXERCISES:
        svg = (Path(settings.BASE_DIR) / "static" / exercise["illustration"]).read_text()
        (head,) = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg)
        centre, radius = (float(head[0]), float(head[1])), float(head[2])
        for d in re.findall(r'<path d="([^"]+)"', svg):
            for a, b in _segments(d):
                assert _distance(centre, a, b) > radius * 0.6, (exercise["slug"], d)
