"""Library filters and Postgres full-text search, through the page a patient uses."""

from http import HTTPStatus

import pytest

from exercises.models import Exercise

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [e.title for e in response.context["exercises"]]


def test_library_lists_every_published_exercise(client, seeded):
    response = client.get("/exercises/")
    assert response.status_code == HTTPStatus.OK
    assert len(titles(response)) == Exercise.objects.published().count()


def test_no_floor_filter_shows_only_sitting_and_standing_exercises(client, seeded):
    response = client.get("/exercises/", {"no_floor": "on"})
    found = response.context["exercises"]
    assert found
    assert {e.position for e in found} <= {"sitting", "standing"}
    assert "Walking" in titles(response)
    assert "Bird dog" not in titles(response)


def test_filters_combine(client, seeded):
    response = client.get("/exercises/", {"category": "strength", "equipment": "chair"})
    assert titles(response) == ["Sit to stand"]
    response = client.get("/exercises/", {"difficulty": "harder", "position": "standing"})
    assert titles(response) == ["Lunge with a straight back"]


def test_an_unknown_filter_value_is_ignored_not_an_error(client, seeded):
    response = client.get("/exercises/", {"category": "nonsense"})
    assert response.status_code == HTTPStatus.OK
    assert len(titles(response)) == 13


def test_search_ranks_title_matches_first_and_stems_words(client, seeded):
    response = client.get("/exercises/", {"q": "stretching"})
    found = titles(response)
    assert found[:2] == ["Hamstring stretch in a chair", "Knee-to-chest stretch"] or found[:2] == [
        "Knee-to-chest stretch",
        "Hamstring stretch in a chair",
    ]


def test_search_covers_steps_and_says_why_it_matched(client, seeded):
    response = client.get("/exercises/", {"q": "ankle"})
    assert titles(response) == ["Lunge with a straight back"]
    lunge = response.context["exercises"][0]
    assert lunge.match_reasons() == ["steps"]
    html = response.content.decode()
    assert "Matched in: steps" in html
    assert "<mark>ankle</mark>" in html


def test_search_with_filters_and_phrases(client, seeded):
    response = client.get("/exercises/", {"q": "chair", "no_floor": "on"})
    assert "Tummy tightening in a chair" in titles(response)
    assert all(e.no_floor for e in response.context["exercises"])
    response = client.get("/exercises/", {"q": '"hip bones" -chair'})
    assert titles(response) == ["Tummy tightening (core bracing)"]


def test_search_with_no_match_offers_a_way_back(client, seeded):
    response = client.get("/exercises/", {"q": "trampoline"})
    assert titles(response) == []
    assert "No exercises match" in response.content.decode()


def test_search_text_is_escaped_in_the_page(client, seeded):
    response = client.get("/exercises/", {"q": "<script>alert(1)</script>"})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_headline_escapes_staff_written_html(client, seeded):
    step = Exercise.objects.get(slug="lunge").steps.first()
    step.text = "Stand <b>tall</b> & steady by the wall."
    step.save()
    html = client.get("/exercises/", {"q": "wall"}).content.decode()
    assert "<b>tall" not in html
    assert "&amp; steady" in html
    assert "<mark>wall</mark>" in html


def test_drafts_never_appear_in_public_search(client, seeded):
    Exercise.objects.filter(slug="lunge").update(status="draft")
    assert titles(client.get("/exercises/", {"q": "ankle"})) == []
