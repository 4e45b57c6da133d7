"""The surgeon's review: only surgeons sign; signing moves the request to "reviewed"; a signed review
is never changed (the model, the ORM, raw SQL and the app's database role all refuse); a correction
is a new version that keeps the old one; the request page and the CSV export show it."""

import csv
import io
from http import HTTPStatus

import psycopg
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import ProgrammingError, connection, transaction
from psycopg.errors import InsufficientPrivilege

from intake.enums import Finding, ReviewConclusion, ReviewStatus
from intake.models import ReviewNotAllowed, StatusChange, SurgeonReview
from tests.database_support import app_database_url
from tests.factories import ReviewRequestFactory
from tests.review_support import FINDINGS, REASONS, coordinator, signed_review, surgeon
from tests.triage_support import otp_login

pytestmark = pytest.mark.django_db
S = ReviewStatus


def sign_url(obj) -> str:
    return f"/admin/intake/reviewrequest/{obj.pk}/triage/review/"


def review_form(conclusion=ReviewConclusion.CANDIDATE, rows=(), **extra) -> dict:
    data = {
        "findings-TOTAL_FORMS": "4",
        "findings-INITIAL_FORMS": "0",
        "findings-MIN_NUM_FORMS": "0",
        "findings-MAX_NUM_FORMS": "40",
        "conclusion": conclusion,
        "reasons": REASONS,
        **extra,
    }
    for n, (level, finding, detail) in enumerate(rows):
        data |= {
            f"findings-{n}-level": level,
            f"findings-{n}-finding": finding,
            f"findings-{n}-detail": detail,
        }
    return data


# --- Who signs ------------------------------------------------------------------------------------


def test_a_surgeon_signs_through_the_admin_and_the_request_becomes_reviewed(client):
    obj = ReviewRequestFactory(status=S.IN_REVIEW)
    user = surgeon()
    otp_login(client, user)
    assert client.get(sign_url(obj)).status_code == HTTPStatus.OK
    rows = [("L4-L5", Finding.DISC_HERNIATION, ""), ("L3-L4", Finding.OTHER, "Synovial cyst")]
    response = client.post(sign_url(obj), review_form(rows=rows))
    assert response.status_code == HTTPStatus.FOUND
    review = SurgeonReview.objects.get(request=obj)
    assert (review.version, review.signed_by, review.signer_name) == (1, user, "Rana Okafor")
    assert review.levels == ["L3-L4", "L4-L5"]
    assert review.findings_text == "L3-L4 Other (describe): Synovial cyst; L4-L5 Disc herniation"
    obj.refresh_from_db()
    assert obj.status == S.REVIEWED_CANDIDATE
    change = StatusChange.objects.get(request=obj, to_status=S.REVIEWED_CANDIDATE)
    assert (change.from_status, change.changed_by) == (S.IN_REVIEW, user)


@pytest.mark.parametrize(
    ("conclusion", "status"),
    [
        (ReviewConclusion.CANDIDATE, S.REVIEWED_CANDIDATE),
        (ReviewConclusion.CONSERVATIVE, S.REVIEWED_NOT_CANDIDATE),
        (ReviewConclusion.NEW_IMAGING, S.REVIEWED_NOT_CANDIDATE),
        (ReviewConclusion.REFER, S.REVIEWED_NOT_CANDIDATE),
    ],
)
def test_the_conclusion_names_the_reviewed_status(conclusion, status):
    review = signed_review(conclusion=conclusion)
    review.request.refresh_from_db()
    assert review.request.status == status


def test_a_coordinator_cannot_sign_in_the_service_or_the_admin(client):
    obj = ReviewRequestFactory(status=S.IN_REVIEW)
    user = coordinator()
    with pytest.raises(PermissionDenied):
        signed_review(obj, by=user)
    otp_login(client, user)
    assert client.get(sign_url(obj)).status_code == HTTPStatus.FORBIDDEN
    assert client.post(sign_url(obj), review_form()).status_code == HTTPStatus.FORBIDDEN
    html = client.get(f"/admin/intake/reviewrequest/{obj.pk}/change/").content.decode()
    assert "No review has been signed yet." in html
    assert "Sign a review" not in html
    assert not SurgeonReview.objects.exists()
    obj.refresh_from_db()
    assert obj.status == S.IN_REVIEW


def test_nobody_moves_a_request_to_reviewed_without_a_signed_review(client):
    obj = ReviewRequestFactory(status=S.IN_REVIEW)
    for user in (surgeon(), coordinator()):
        otp_login(client, user)
        page = client.get(f"/admin/intake/reviewrequest/{obj.pk}/change/").content.decode()
        assert 'name="to" value="reviewed_candidate"' not in page
        refused = client.post(
            f"/admin/intake/reviewrequest/{obj.pk}/triage/status/", {"to": S.REVIEWED_CANDIDATE}
        )
        assert refused.status_code == HTTPStatus.FORBIDDEN
        actions = client.get("/admin/intake/reviewrequest/").context["action_form"]
        assert "move_to_reviewed_candidate" not in dict(actions.fields["action"].choices)
    obj.refresh_from_db()
    assert obj.status == S.IN_REVIEW


def test_a_surgeon_without_a_name_on_the_account_cannot_sign():
    from tests.triage_support import SURGEON, staff_user

    nameless = staff_user("nameless@example.org", role=SURGEON)
    with pytest.raises(ReviewNotAllowed, match="first and last name"):
        signed_review(by=nameless)
    assert not SurgeonReview.objects.exists()


def test_a_first_review_needs_the_request_in_review(client):
    obj = ReviewRequestFactory(status=S.NEW)
    with pytest.raises(ReviewNotAllowed, match="In review"):
        signed_review(obj)
    otp_login(client, surgeon())
    response = client.post(sign_url(obj), review_form())
    assert response.status_code == HTTPStatus.OK
    assert "a first review is signed while the request is" in response.content.decode()
    assert not SurgeonReview.objects.exists()


def test_the_form_asks_for_a_level_with_each_finding_and_words_for_other(client):
    obj = ReviewRequestFactory(status=S.IN_REVIEW)
    otp_login(client, surgeon())
    rows = [("L4-L5", "", ""), ("L5-S1", Finding.OTHER, "")]
    html = client.post(sign_url(obj), review_form(rows=rows)).content.decode()
    assert "Choose both a level and a finding." in html
    assert "Say what “other” is." in html
    assert not SurgeonReview.objects.exists()


# --- Immutable, with versions ---------------------------------------------------------------------


def test_a_signed_review_refuses_save_and_orm_update():
    review = signed_review()
    review.reasons = "Changed afterwards."
    with pytest.raises(ReviewNotAllowed):
        review.save()
    with pytest.raises(ProgrammingError, match="Cannot update"), transaction.atomic():
        SurgeonReview.objects.filter(pk=review.pk).update(reasons="Changed afterwards.")
    assert SurgeonReview.objects.get(pk=review.pk).reasons == REASONS


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE intake_surgeonreview SET reasons = 'changed'",
        "UPDATE intake_surgeonreview SET conclusion = 'refer'",
        "UPDATE intake_surgeonreview SET findings = '[]'::jsonb",
    ],
)
def test_the_database_refuses_a_raw_update_of_a_signed_review(sql):
    review = signed_review()
    with (
        pytest.raises(ProgrammingError, match="Cannot update"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    fresh = SurgeonReview.objects.get(pk=review.pk)
    assert (fresh.reasons, fresh.conclusion, len(fresh.findings)) == (REASONS, "candidate", 3)


def test_the_app_role_may_not_update_reviews_even_with_the_trigger_ignored(transactional_db):
    review = signed_review()
    with psycopg.connect(app_database_url(), autocommit=True) as app:
        app.execute(
            "SELECT set_config('pgtrigger.ignore', %s, false)",
            ["{pgtrigger_surgeonreview_signed_immutable_4e3fb}"],
        )
        with pytest.raises(InsufficientPrivilege):
            app.execute("UPDATE intake_surgeonreview SET reasons = 'changed'")
        # Reading and adding stay the app's.
        assert app.execute("SELECT count(*) FROM intake_surgeonreview").fetchone() == (1,)
    assert SurgeonReview.objects.get(pk=review.pk).reasons == REASONS


def test_a_correction_is_a_new_version_and_keeps_the_old_one(client):
    first = signed_review(conclusion=ReviewConclusion.CANDIDATE)
    obj = first.request
    otp_login(client, surgeon())
    # The form starts from the version in force.
    form = client.get(sign_url(obj)).context["form"]
    assert form.initial["reasons"] == REASONS
    missing_note = client.post(sign_url(obj), review_form(ReviewConclusion.CONSERVATIVE))
    assert "Say what this version corrects." in missing_note.content.decode()
    client.post(
        sign_url(obj),
        review_form(
            ReviewConclusion.CONSERVATIVE,
            rows=[("L4-L5", Finding.DISC_BULGE, "")],
            correction_note="A bulge, not a herniation, on a second look.",
        ),
    )
    versions = list(SurgeonReview.objects.filter(request=obj).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].conclusion == ReviewConclusion.CANDIDATE
    assert versions[0].findings == first.findings
    assert versions[1].conclusion == ReviewConclusion.CONSERVATIVE
    assert SurgeonReview.objects.latest_of(obj) == versions[1]
    obj.refresh_from_db()
    assert obj.status == S.REVIEWED_NOT_CANDIDATE  # follows the correction
    html = client.get(f"/admin/intake/reviewrequest/{obj.pk}/change/").content.decode()
    assert "Version 2" in html
    assert "Version 1" in html
    assert "A bulge, not a herniation, on a second look." in html


def test_a_correction_after_the_patient_was_contacted_leaves_the_status():
    first = signed_review()
    obj = first.request
    obj.status = S.PATIENT_CONTACTED
    obj.save(update_fields=["status"])
    signed_review(
        obj, conclusion=ReviewConclusion.REFER, correction_note="Needs a spine oncologist."
    )
    obj.refresh_from_db()
    assert obj.status == S.PATIENT_CONTACTED
    assert SurgeonReview.objects.filter(request=obj).count() == 2


# --- Where it shows -------------------------------------------------------------------------------


def test_the_request_page_shows_the_review_to_both_roles(client):
    review = signed_review()
    for user in (coordinator(), surgeon("other@example.org")):
        otp_login(client, user)
        html = client.get(
            f"/admin/intake/reviewrequest/{review.request.pk}/change/"
        ).content.decode()
        assert "May be a candidate for minimally invasive surgery" in html
        assert "Rana Okafor" in html
        assert "Disc herniation" in html
        assert "left paracentral" in html


def export(client, obj) -> dict:
    response = client.post(
        "/admin/intake/reviewrequest/?status=all",
        {"action": "export_csv", "_selected_action": [obj.pk]},
    )
    return next(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_export_has_the_review_only_with_the_clinical_text_permission(client):
    review = signed_review()
    user = coordinator()
    otp_login(client, user)
    row = export(client, review.request)
    assert "review_reasons" not in row
    assert REASONS not in str(row)
    user.user_permissions.add(Permission.objects.get(codename="export_clinical_text"))
    user = type(user).objects.get(pk=user.pk)  # a fresh permission cache
    otp_login(client, user)
    row = export(client, review.request)
    assert row["review_version"] == "1"
    assert row["review_conclusion"] == "May be a candidate for minimally invasive surgery"
    assert row["review_reasons"] == REASONS
    assert row["review_signed_by"] == "Rana Okafor"
    assert row["review_findings"] == (
        "L4-L5 Disc herniation: left paracentral; L4-L5 Stenosis: foraminal; "
        "L5-S1 Facet arthropathy"
    )
    assert FINDINGS  # the support module's rows, in spine order above
