"""The follow-along player's pages, home programmes made by staff, and the offline worker.

What the player does in the browser is in tests/e2e/test_exercise_player.py.
"""

import json
import re
from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from exercises.models import (
    PROGRAMME_CODE_ALPHABET,
    Exercise,
    Programme,
    ProgrammeItem,
    new_programme_code,
)
from exercises.roles import CLINICAL_REVIEWER, create_clinical_reviewer_role
from tests.triage_support import otp_login, staff_user

pytestmark = pytest.mark.django_db


def plan_of(response) -> dict:
    html = response.content.decode()
    found = re.search(
        r'<script id="player-plan" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the page carries the plan"
    return json.loads(found.group(1))


def test_a_routines_player_plays_its_exercises_in_order_with_the_routines_dosage(client, seeded):
    response = client.get("/exercises/routines/gentle-start/play/")
    assert response.status_code == HTTPStatus.OK
    plan = plan_of(response)
    assert [item["title"] for item in plan["items"]] == [
        "Cat and camel",
        "Pelvic tilt",
        "Tummy tightening (core bracing)",
        "Knee-to-chest stretch",
        "Walking",
    ]
    cat_camel, pelvic_tilt, _, knee_to_chest, walking = plan["items"]
    # The routine's own numbers win; the exercise's fill the rest.
    assert (cat_camel["reps"], cat_camel["sets"], cat_camel["hold"]) == (8, 1, None)
    assert (knee_to_chest["reps"], knee_to_chest["hold"]) == (2, 20)
    assert (pelvic_tilt["reps"], pelvic_tilt["hold"]) == (10, 5)
    assert (walking["reps"], walking["hold"]) == (None, None)
    assert "Walk for 5 minutes." in walking["dosage"]
    assert knee_to_chest["steps"] == list(
        Exercise.objects.get(slug="knee-to-chest").steps.values_list("text", flat=True)
    )
    assert knee_to_chest["stop_if"], "every exercise carries its stop-if signs"
    assert plan["rest_seconds"] == 30
    assert plan["relax_seconds"] == 3


def test_the_plan_is_data_in_the_page_and_the_page_runs_no_inline_script(client, seeded):
    response = client.get("/exercises/knee-to-chest/play/")
    html = response.content.decode()
    assert plan_of(response)["items"][0]["title"] == "Knee-to-chest stretch"
    scripts = re.findall(r"<script(?P<attrs>[^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "worker-src 'self'" in response["Content-Security-Policy"]


def test_routine_and_exercise_pages_offer_the_player(client, seeded):
    assert 'href="/exercises/routines/core-stability/play/"' in (
        client.get("/exercises/routines/core-stability/").content.decode()
    )
    assert 'href="/exercises/bird-dog/play/"' in client.get("/exercises/bird-dog/").content.decode()


def test_a_draft_cannot_be_played_by_the_public(client, seeded):
    Exercise.objects.filter(slug="bird-dog").update(status="draft")
    assert client.get("/exercises/bird-dog/play/").status_code == HTTPStatus.NOT_FOUND


def test_the_progress_page_holds_no_history_of_its_own(client):
    """The history lives in the browser: the page the server sends is the same for everyone."""
    first = client.get("/exercises/my-progress/").content
    client.cookies["backcare.history"] = "anything"
    assert client.get("/exercises/my-progress/").content == first
    assert b"We never see them" in first


def test_the_offline_worker_is_our_script_scoped_to_the_exercise_pages(client, seeded):
    response = client.get("/exercises/sw.js")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert 'const CACHE = "backcare-player-' in body
    assert "/exercises/my-progress/" in body
    assert "/static/js/player." in body
    assert "fetch(" in body
    assert "postMessage" in body
    # It keeps pages and files; it has no code that sends anything (no POST, no sendBeacon).
    assert "POST" not in body
    assert "sendBeacon" not in body


# --- Home programmes --------------------------------------------------------------------------------


@pytest.fixture
def clinician_client(client):
    if not Group.objects.filter(name=CLINICAL_REVIEWER).exists():
        create_clinical_reviewer_role(apps)
    user = staff_user("pt@example.org", first_name="Pat", last_name="Lee")
    user.groups.add(Group.objects.get(name=CLINICAL_REVIEWER))
    return otp_login(client, user)


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def test_a_clinician_makes_a_programme_and_the_patient_opens_exactly_it_by_its_code(
    clinician_client, client, seeded
):
    bridge = Exercise.objects.get(slug="glute-bridge")
    walking = Exercise.objects.get(slug="walking")
    response = clinician_client.post(
        "/admin/exercises/programme/add/",
        {
            "note": "Do these after a warm shower.",
            **inline(
                "items",
                [
                    {"order": "1", "exercise": str(bridge.pk), "reps": "6", "sets": "3"},
                    {"order": "2", "exercise": str(walking.pk), "note": "Walk for 15 minutes."},
                ],
            ),
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    programme = Programme.objects.get()
    assert programme.created_by.email == "pt@example.org"
    assert len(programme.code) == 8
    assert set(programme.code) <= set(PROGRAMME_CODE_ALPHABET)

    clinician_client.logout()
    page = client.get(f"/exercises/programme/{programme.code}/")
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert re.findall(r'<h3 class="h5 mb-1">\s*<a href="/exercises/([\w-]+)/">', html) == [
        "glute-bridge",
        "walking",
    ]
    assert "Do it 6 times." in html
    assert "Rest, then do that 3 times in all." in html
    assert "Walk for 15 minutes." in html
    assert "Do these after a warm shower." in html
    assert programme.display_code in html
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]

    plan = plan_of(client.get(f"/exercises/programme/{programme.code}/play/"))
    assert [(i["title"], i["reps"], i["sets"]) for i in plan["items"]] == [
        (bridge.title, 6, 3),
        (walking.title, None, None),
    ]


def test_a_code_is_found_however_the_patient_types_it(client, seeded):
    programme = Programme.objects.create(code="ABCD2345")
    ProgrammeItem.objects.create(programme=programme, exercise=Exercise.objects.first())
    response = client.get("/exercises/programme/", {"code": " abcd-2345 "})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/exercises/programme/ABCD2345/"
    assert client.get("/exercises/programme/abcd-2345/")["Location"] == (
        "/exercises/programme/ABCD2345/"
    )


def test_an_unknown_code_says_so_and_names_nothing(client, seeded):
    response = client.get("/exercises/programme/", {"code": "ZZZZ-9999"})
    assert response.status_code == HTTPStatus.OK
    assert "We could not find a programme with that code" in response.content.decode()
    assert client.get("/exercises/programme/ZZZZ9999/").status_code == HTTPStatus.NOT_FOUND


def test_codes_are_random_and_unambiguous():
    codes = {new_programme_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert not set("".join(codes)) & set("01ILOU")


def test_staff_without_the_clinical_role_cannot_make_programmes(client):
    plain_staff = otp_login(client, staff_user("desk@example.org"))
    assert plain_staff.get("/admin/exercises/programme/add/").status_code == HTTPStatus.FORBIDDEN
