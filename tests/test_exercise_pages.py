"""Exercise, routine and print pages: safety text, drafts, structured data, SEO and caching."""

import itertools
import json
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import User

from exercises.models import Exercise, Routine, Status
from tests.factories import ExerciseFactory, RoutineFactory, RoutineItemFactory

pytestmark = pytest.mark.django_db

EXERCISE_PAGES = [
    "/exercises/lunge/",
    "/exercises/lunge/print/",
    "/exercises/routines/gentle-start/",
    "/exercises/routines/gentle-start/print/",
]


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_user("staff", is_staff=True))
    return client


def jsonld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_exercise_page_shows_everything_a_patient_needs(client, seeded):
    response = client.get("/exercises/lunge/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for text in [
        "Lunge with a straight back",
        "How to do it",
        "How much and how often",
        "What you should feel",
        "Common mistakes",
        "Stop and get advice if",
        "Take care if",
        "Easier: ",
        "Make it easier or harder",
        "This page awaits review by the clinic's team.",
        "Print this exercise",
    ]:
        assert text in html, text
    lunge = Exercise.objects.get(slug="lunge")
    assert f'alt="{lunge.illustration_alt}"' in html
    steps = re.findall(r"<li>(.*?)</li>", html.split('class="exercise-steps"')[1].split("</ol>")[0])
    assert steps == list(lunge.steps.values_list("text", flat=True))


@pytest.mark.parametrize("url", EXERCISE_PAGES)
def test_every_exercise_page_carries_the_disclaimer_emergency_box_and_mri_link(client, seeded, url):
    html = client.get(url).content.decode()
    assert "Check with your doctor before you start" in html
    assert "other treatment" in html
    assert "loss of bladder or bowel control" in html or "bladder or bowels" in html
    assert "genitals" in html
    assert "both legs" in html
    assert "serious fall or accident" in html
    if "/print/" not in url:
        assert "Get emergency care now if" in html
        assert 'href="/mri-review/"' in html
        assert "6 to 12 weeks of good care" in html


@pytest.mark.parametrize("url", [*EXERCISE_PAGES, "/exercises/", "/exercises/?q=knee"])
def test_pages_have_no_inline_script_style_or_heading_gaps(client, seeded, url):
    html = client.get(url).content.decode()
    assert " style=" not in html
    assert "<style" not in html
    assert re.findall(r"<script(?![^>]*(src=|application/ld\+json))", html) == []
    assert re.findall(r"<[^>]+\son[a-z]+=", html) == []
    levels = [int(h) for h in re.findall(r"<h([1-6])", html)]
    assert levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_exercise_jsonld_is_a_reviewed_medical_web_page_about_an_exercise_plan(client, seeded):
    html = client.get("/exercises/knee-to-chest/").content.decode()
    (data,) = jsonld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    # No clinician has recorded a review of the seed text, so none is claimed.
    assert "lastReviewed" not in data
    assert "reviewedBy" not in data
    assert data["mainEntity"]["@type"] == "ExercisePlan"
    assert data["mainEntity"]["activityFrequency"] == "2 times a day"
    assert data["url"] == "http://127.0.0.1:8000/exercises/knee-to-chest/"


def test_routine_jsonld_lists_its_exercises_as_plans(client, seeded):
    (data,) = jsonld(client.get("/exercises/routines/core-stability/").content.decode())
    assert data["@type"] == "MedicalWebPage"
    assert data["mainEntity"]["@type"] == "ExercisePlan"
    assert data["mainEntity"]["activityDuration"] == "PT15M"
    parts = data["mainEntity"]["hasPart"]
    assert [p["@type"] for p in parts] == ["ExercisePlan"] * 5
    assert parts[0]["name"] == "Tummy tightening (core bracing)"


def test_jsonld_cannot_be_broken_out_of_by_content(client):
    ExerciseFactory(slug="tricky", summary="</script><script>alert(1)</script> & more")
    html = client.get("/exercises/tricky/").content.decode()
    assert "</script><script>alert(1)" not in html
    (data,) = jsonld(html)
    assert data["description"] == "</script><script>alert(1)</script> & more"


def test_exercise_page_has_meta_description_canonical_and_open_graph(client, seeded):
    html = client.get("/exercises/bird-dog/").content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8000/exercises/bird-dog/">' in html
    assert '<meta property="og:title" content="Bird dog">' in html
    assert (
        'property="og:image" content="http://127.0.0.1:8000/static/img/exercises/bird-dog.' in html
    )
    assert '<meta name="description" content="On hands and knees' in html
    assert "noindex" not in html


def test_print_views_are_not_indexed_and_point_to_the_page(client, seeded):
    html = client.get("/exercises/routines/gentle-start/print/").content.decode()
    assert 'name="robots" content="noindex' in html
    assert 'rel="canonical" href="http://127.0.0.1:8000/exercises/routines/gentle-start/"' in html


def test_routine_handout_has_a_week_of_tick_boxes_for_each_exercise(client, seeded):
    response = client.get("/exercises/routines/gentle-start/print/")
    html = response.content.decode()
    routine = Routine.objects.get(slug="gentle-start")
    assert html.count('class="tick-box"') == 7 * routine.items.count()
    for day in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]:
        assert f">{day}</th>" in html
    assert "Hold for 5 seconds." in html
    assert "About 10 minutes" in html


def test_drafts_are_404_for_the_public(client):
    ExerciseFactory(slug="draft-move", status=Status.DRAFT)
    RoutineFactory(slug="draft-routine", status=Status.DRAFT)
    for url in [
        "/exercises/draft-move/",
        "/exercises/draft-move/print/",
        "/exercises/routines/draft-routine/",
        "/exercises/routines/draft-routine/print/",
    ]:
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url


def test_staff_preview_drafts_with_a_banner_and_no_indexing(staff_client):
    ExerciseFactory(slug="draft-move", status=Status.DRAFT)
    response = staff_client.get("/exercises/draft-move/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Draft preview." in html
    assert "noindex" in html
    assert "private" in response["Cache-Control"]
    assert "Staff note: awaiting its first review" in html


def test_routines_hide_draft_exercises_from_the_public(client):
    item = RoutineItemFactory(exercise__status=Status.DRAFT, exercise__title="Secret move")
    RoutineItemFactory(routine=item.routine, exercise__title="Open move")
    html = client.get(item.routine.get_absolute_url()).content.decode()
    assert "Open move" in html
    assert "Secret move" not in html


def test_sitemap_lists_published_pages_only(client, seeded):
    Exercise.objects.filter(slug="lunge").update(status=Status.DRAFT)
    xml = client.get("/sitemap.xml").content.decode()
    assert "/exercises/bird-dog/</loc>" in xml
    assert "/exercises/routines/gentle-start/</loc>" in xml
    assert "/exercises/</loc>" in xml
    assert "/exercises/lunge/" not in xml
    assert "<lastmod>" in xml


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text
