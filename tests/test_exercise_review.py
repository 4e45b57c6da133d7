"""Clinical review: only a real clinician, signed in, records one; an edit makes the page due again."""

import datetime
import json
import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

import exercises.seed_content
from exercises.models import ContentReview, Exercise, Routine, Step
from exercises.roles import CLINICAL_REVIEWER, create_clinical_reviewer_role
from tests.factories import ExerciseFactory, RoutineItemFactory
from tests.triage_support import otp_login, staff_user

pytestmark = pytest.mark.django_db

AWAITING = "This page awaits review by the clinic's team."


@pytest.fixture
def clinician():
    if not Group.objects.filter(name=CLINICAL_REVIEWER).exists():
        create_clinical_reviewer_role(apps)  # a transactional test emptied the tables
    user = staff_user("ana@example.org", first_name="Ana", last_name="Lopez")
    user.groups.add(Group.objects.get(name=CLINICAL_REVIEWER))
    return user


@pytest.fixture
def clinician_client(client, clinician):
    return otp_login(client, clinician)


def review_url(item) -> str:
    return f"/admin/exercises/{item._meta.model_name}/{item.pk}/review/"


def record(client, item, **extra):
    form = client.get(review_url(item))
    assert form.status_code == HTTPStatus.OK
    data = {
        "credentials": "PT, DPT",
        "checked": "on",
        "version": form.context["form"]["version"].value(),
    }
    return client.post(review_url(item), data | extra)


def jsonld(html: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def test_seed_text_names_no_reviewer_and_no_date():
    source = Path(exercises.seed_content.__file__).read_text()
    assert not re.search(r"\b(19|20)\d\d\b", source)
    assert "datetime" not in source
    seeded_items = [*exercises.seed_content.EXERCISES, *exercises.seed_content.ROUTINES]
    assert not [key for item in seeded_items for key in item if "review" in key]
    assert not re.search(r"\b(PT|DPT|OCS|MD)\b", source)


@pytest.mark.parametrize(
    "url",
    [
        "/exercises/lunge/",
        "/exercises/lunge/print/",
        "/exercises/routines/gentle-start/",
        "/exercises/routines/gentle-start/print/",
    ],
)
def test_seeded_pages_say_they_await_review_and_claim_no_reviewer(client, seeded, url):
    assert ContentReview.objects.count() == 0
    html = client.get(url).content.decode()
    assert AWAITING in html
    assert "Checked by" not in html
    if "/print/" not in url:
        data = jsonld(html)
        assert "reviewedBy" not in data
        assert "lastReviewed" not in data


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_the_invented_reviewers_and_invents_none():
    executor = MigrationExecutor(connection)
    executor.migrate([("exercises", "0001_initial")])
    old = executor.loader.project_state([("exercises", "0001_initial")]).apps
    old.get_model("exercises", "Exercise").objects.create(
        title="Old",
        slug="old",
        summary="s",
        why_it_helps="w",
        category="core",
        position="back",
        one_repetition="One time is one.",
        feel="f",
        mistakes="m",
        stop_if="s",
        precautions="p",
        illustration="img/exercises/walking.svg",
        illustration_alt="a",
        status="published",
        reviewer_name="Dana Reyes",
        reviewer_credentials="PT, DPT",
        last_reviewed=datetime.date(2026, 11, 2),
        next_review=datetime.date(2027, 11, 2),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    exercise = Exercise.objects.get(slug="old")
    assert ContentReview.objects.count() == 0
    assert exercise.current_review is None
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "exercises_exercise"
        )
    ]
    assert "reviewer_name" not in columns
    group = Group.objects.get(name=CLINICAL_REVIEWER)
    assert group.permissions.filter(codename="record_review").exists()


def test_staff_without_the_clinical_role_cannot_record_a_review(client):
    exercise = ExerciseFactory()
    otp_login(client, staff_user(first_name="Ed", last_name="Itor"))
    assert client.get(review_url(exercise)).status_code == HTTPStatus.FORBIDDEN
    response = client.post(review_url(exercise), {"credentials": "PT", "checked": "on"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert ContentReview.objects.count() == 0


def test_a_review_names_the_signed_in_clinician_and_the_servers_date(
    client, clinician, clinician_client, seeded
):
    from django.test import Client

    public = Client()
    before = public.get("/exercises/lunge/")  # now cached for the public
    assert AWAITING in before.content.decode()
    lunge = Exercise.objects.get(slug="lunge")
    # Whatever the form is sent, the name and the date are not taken from it.
    response = record(
        clinician_client, lunge, reviewer_name="Dana Reyes", reviewed_on="2020-01-01", reviewer="1"
    )
    assert response.status_code == HTTPStatus.FOUND
    review = ContentReview.objects.get()
    assert review.reviewer == clinician
    assert review.reviewer_name == "Ana Lopez"
    assert review.credentials == "PT, DPT"
    assert review.reviewed_on == timezone.localdate()
    assert review.content_version == lunge.content_version()

    after = public.get("/exercises/lunge/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == HTTPStatus.OK
    html = after.content.decode()
    assert "Checked by <strong>Ana Lopez, PT, DPT</strong>" in html
    assert f'datetime="{timezone.localdate().isoformat()}"' in html
    assert AWAITING not in html
    data = jsonld(html)
    assert data["reviewedBy"] == {"@type": "Person", "name": "Ana Lopez", "jobTitle": "PT, DPT"}
    assert data["lastReviewed"] == timezone.localdate().isoformat()
    assert "Ana Lopez, PT, DPT" in public.get("/exercises/lunge/print/").content.decode()


def test_a_clinician_without_a_name_on_their_account_cannot_record(client):
    exercise = ExerciseFactory()
    user = staff_user("noname@example.org")
    if not Group.objects.filter(name=CLINICAL_REVIEWER).exists():
        create_clinical_reviewer_role(apps)
    user.groups.add(Group.objects.get(name=CLINICAL_REVIEWER))
    response = record(otp_login(client, user), exercise)
    assert response.status_code == HTTPStatus.OK
    assert "Add your first and last name" in response.content.decode()
    assert ContentReview.objects.count() == 0


@pytest.mark.parametrize("edit", ["field", "step", "new_step"])
def test_an_edit_after_a_review_makes_the_exercise_due_again(client, clinician_client, edit):
    exercise = ExerciseFactory(slug="move", steps=["Lie on your back.", "Bend your knees."])
    assert record(clinician_client, exercise).status_code == HTTPStatus.FOUND
    assert "Checked by" in client.get("/exercises/move/").content.decode()
    match edit:
        case "field":
            exercise.precautions = "Skip it if you are pregnant."
            exercise.save()
        case "step":
            step = exercise.steps.first()
            step.text = "Lie on your side."
            step.save()
        case "new_step":
            Step.objects.create(exercise=exercise, order=3, text="Lift your hips.")
    html = client.get("/exercises/move/").content.decode()
    assert AWAITING in html
    assert "Checked by" not in html
    assert "reviewedBy" not in jsonld(html)
    listed = clinician_client.get("/admin/exercises/exercise/", {"review": "needed"})
    assert [e.slug for e in listed.context["cl"].result_list] == ["move"]
    assert "Changed since its last review" in listed.content.decode()


def test_an_edit_to_a_routine_item_makes_the_routine_due_again(client, clinician_client):
    item = RoutineItemFactory()
    routine = item.routine
    assert record(clinician_client, routine).status_code == HTTPStatus.FOUND
    assert "Checked by" in client.get(routine.get_absolute_url()).content.decode()
    item.reps = 20
    item.save()
    html = client.get(routine.get_absolute_url()).content.decode()
    assert AWAITING in html
    assert Routine.objects.get().current_review is None


def test_a_review_of_a_version_that_changed_while_open_is_refused(clinician_client):
    exercise = ExerciseFactory()
    form = clinician_client.get(review_url(exercise))
    version = form.context["form"]["version"].value()
    Exercise.objects.filter(pk=exercise.pk).update(summary="Changed meanwhile.")
    response = clinician_client.post(
        review_url(exercise), {"credentials": "PT", "checked": "on", "version": version}
    )
    assert response.status_code == HTTPStatus.OK
    assert "changed after you opened it" in response.content.decode()
    assert ContentReview.objects.count() == 0


def test_staff_see_what_awaits_review_and_what_is_overdue(admin_client, clinician):
    never = ExerciseFactory(title="Never checked")
    old = ExerciseFactory(title="Checked long ago")
    fresh = ExerciseFactory(title="Checked lately")
    today = timezone.localdate()
    for exercise, days in [(old, 400), (fresh, 10)]:
        ContentReview.objects.create(
            exercise=exercise,
            reviewer=clinician,
            reviewer_name="Ana Lopez",
            credentials="PT",
            reviewed_on=today - datetime.timedelta(days=days),
            content_version=exercise.content_version(),
        )

    def listed(value):
        response = admin_client.get("/admin/exercises/exercise/", {"review": value})
        return [e.title for e in response.context["cl"].result_list]

    assert listed("needed") == [never.title]
    assert listed("overdue") == [old.title]
    assert listed("due_30") == []
    html = admin_client.get("/admin/exercises/exercise/").content.decode()
    assert "Awaiting its first review" in html
    assert "Review overdue" in html
    staff_page = admin_client.get(old.get_absolute_url()).content.decode()
    assert "Staff note: review overdue" in staff_page


def test_reviews_cannot_be_typed_into_the_admin(admin_client):
    assert admin_client.get("/admin/exercises/contentreview/add/").status_code in (
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
    )
    change = admin_client.get("/admin/exercises/exercise/add/").content.decode()
    assert "reviewer_name" not in change
    assert "last_reviewed" not in change
