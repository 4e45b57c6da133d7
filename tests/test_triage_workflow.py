"""The workflow: only listed moves, each recorded; due-by times; assignment; append-only notes."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from intake.enums import ReviewConclusion, ReviewStatus
from intake.models import Note, StatusChange
from intake.triage import services as triage
from intake.triage import workflow
from tests.factories import ReviewRequestFactory
from tests.review_support import signed_review
from tests.triage_support import COORDINATOR, SURGEON, otp_login, staff_user

pytestmark = pytest.mark.django_db
S = ReviewStatus
NY = ZoneInfo("America/New_York")


def test_every_status_has_its_moves_listed_and_every_move_goes_somewhere_real():
    assert set(workflow.TRANSITIONS) == set(S.values)
    for targets in workflow.TRANSITIONS.values():
        assert set(targets) <= set(S.values)


def test_the_full_path_is_recorded_with_who_and_when():
    coordinator = staff_user("c@example.org", role=COORDINATOR)
    surgeon = staff_user("s@example.org", role=SURGEON, first_name="Rana", last_name="Okafor")
    obj = ReviewRequestFactory()
    path = [
        (coordinator, S.IN_REVIEW),
        (coordinator, S.WAITING_FOR_PATIENT),
        (coordinator, S.IN_REVIEW),
        (surgeon, S.REVIEWED_NOT_CANDIDATE),
        (coordinator, S.PATIENT_CONTACTED),
        (coordinator, S.CLOSED),
    ]
    for user, target in path:
        if target in workflow.OUTCOME_STATUSES:
            # The outcome comes from the signed review, whose conclusion names it.
            signed_review(obj, by=user, conclusion=ReviewConclusion.CONSERVATIVE)
        else:
            triage.change_status(review_request=obj, to_status=target, user=user)
    changes = list(StatusChange.objects.filter(request=obj).order_by("pk"))
    assert [(c.changed_by, c.to_status) for c in changes] == path
    assert changes[0].from_status == S.NEW
    assert all(c.changed_at is not None for c in changes)
    obj.refresh_from_db()
    assert obj.status == S.CLOSED


@pytest.mark.parametrize(
    ("start", "target"),
    [(S.NEW, S.CLOSED), (S.NEW, S.PATIENT_CONTACTED), (S.CLOSED, S.NEW), (S.NEW, S.NEW)],
)
def test_moves_not_in_the_workflow_are_refused(start, target):
    obj = ReviewRequestFactory(status=start)
    with pytest.raises(triage.TransitionNotAllowed):
        triage.change_status(
            review_request=obj, to_status=target, user=staff_user(role=COORDINATOR)
        )
    assert not StatusChange.objects.exists()


def test_only_the_allowed_moves_are_offered(client):
    obj = ReviewRequestFactory(status=S.NEW)
    otp_login(client, staff_user(role=COORDINATOR))
    html = client.get(f"/admin/intake/reviewrequest/{obj.pk}/change/").content.decode()
    for target in (S.IN_REVIEW, S.WAITING_FOR_PATIENT, S.SPAM):
        assert f'name="to" value="{target}"' in html
    for target in (S.CLOSED, S.REVIEWED_CANDIDATE, S.PATIENT_CONTACTED):
        assert f'name="to" value="{target}"' not in html


def test_the_change_status_action_moves_what_it_can_and_names_the_rest(client):
    movable = ReviewRequestFactory(status=S.NEW)
    closed = ReviewRequestFactory(status=S.CLOSED)
    otp_login(client, staff_user(role=COORDINATOR))
    response = client.post(
        "/admin/intake/reviewrequest/?status=all",
        {"action": "move_to_in_review", "_selected_action": [movable.pk, closed.pk]},
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    assert closed.reference in response.content.decode()
    movable.refresh_from_db()
    closed.refresh_from_db()
    assert (movable.status, closed.status) == (S.IN_REVIEW, S.CLOSED)


def test_a_routine_request_is_due_two_business_days_later(settings):
    settings.INTAKE_CALLBACK_BUSINESS_DAYS = 2
    thursday = datetime.datetime(2026, 11, 19, 10, 30, tzinfo=NY)
    obj = ReviewRequestFactory(submitted_at=thursday)
    assert obj.due_by == datetime.datetime(2026, 11, 23, 10, 30, tzinfo=NY)  # Monday
    saturday = datetime.datetime(2026, 11, 21, 9, 0, tzinfo=NY)
    assert workflow.due_by(saturday, urgent=False) == datetime.datetime(2026, 11, 24, 9, tzinfo=NY)


def test_an_urgent_request_is_due_the_same_day():
    friday = datetime.datetime(2026, 11, 20, 16, 0, tzinfo=NY)
    obj = ReviewRequestFactory(submitted_at=friday, trauma=True)
    assert obj.due_by == datetime.datetime(2026, 11, 20, 23, 59, 59, tzinfo=NY)


def test_overdue_requests_are_marked_in_the_queue(client):
    old = ReviewRequestFactory(submitted_at=datetime.datetime(2026, 1, 5, 9, tzinfo=NY))
    ReviewRequestFactory()
    done = ReviewRequestFactory(
        submitted_at=datetime.datetime(2026, 1, 5, 9, tzinfo=NY), status=S.CLOSED
    )
    assert old.is_overdue
    assert not done.is_overdue
    otp_login(client, staff_user(role=COORDINATOR))
    html = client.get("/admin/intake/reviewrequest/").content.decode()
    assert html.count('class="triage-overdue"') == 1
    overdue = client.get("/admin/intake/reviewrequest/", {"overdue": "yes"})
    assert list(overdue.context["cl"].result_list) == [old]


def test_assign_to_me_action_sets_the_assignee(client):
    user = staff_user(role=COORDINATOR)
    first, second = ReviewRequestFactory(), ReviewRequestFactory()
    otp_login(client, user)
    client.post(
        "/admin/intake/reviewrequest/",
        {"action": "assign_to_me", "_selected_action": [first.pk, second.pk]},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assignee == second.assignee == user


def test_requests_cannot_be_assigned_to_staff_without_a_role():
    with pytest.raises(PermissionDenied):
        triage.assign(review_request=ReviewRequestFactory(), assignee=staff_user())


def test_notes_are_shown_in_order_with_author_and_cannot_be_changed_in_the_admin(client):
    user = staff_user(role=COORDINATOR)
    obj = ReviewRequestFactory()
    otp_login(client, user)
    for text in ("First call: voicemail.", "Second call: booked."):
        client.post(f"/admin/intake/reviewrequest/{obj.pk}/triage/note/", {"text": text})
    client.post(f"/admin/intake/reviewrequest/{obj.pk}/triage/note/", {"text": "   "})
    notes = list(Note.objects.filter(request=obj).order_by("pk"))
    assert [(n.author, n.text) for n in notes] == [
        (user, "First call: voicemail."),
        (user, "Second call: booked."),
    ]
    html = client.get(f"/admin/intake/reviewrequest/{obj.pk}/change/").content.decode()
    assert html.index("First call") < html.index("Second call")
    # Notes have no admin pages: no way to edit or delete them there.
    assert client.get(f"/admin/intake/note/{notes[0].pk}/change/").status_code == 404
    admin = staff_user("root@example.org", is_superuser=True)
    otp_login(client, admin)
    assert client.get(f"/admin/intake/note/{notes[0].pk}/delete/").status_code == 404
