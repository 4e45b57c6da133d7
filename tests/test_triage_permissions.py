"""Each role can do exactly its list; staff without a role, and anonymous visitors, nothing."""

from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from intake.enums import ReviewStatus
from intake.models import Note, ReviewRequest
from intake.triage.roles import create_roles
from tests.factories import ReviewRequestFactory, UploadFactory
from tests.triage_support import COORDINATOR, SURGEON, otp_login, staff_user

pytestmark = pytest.mark.django_db


def codenames(role: str) -> set[str]:
    if not Group.objects.filter(name=role).exists():
        # Migration 0002_triage made the groups; a transactional test before this one emptied the
        # tables, so make them again the way that migration does.
        create_roles(apps)
    return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))


def test_the_roles_hold_exactly_their_permissions():
    assert codenames(COORDINATOR) == {
        "view_reviewrequest",
        "change_reviewrequest",
        "assign_reviewrequest",
        "view_upload",
        "download_upload",
        "add_note",
        "view_note",
        "view_surgeonreview",
        "view_reviewletter",
        "send_review_letter",
        "send_to_pacs",
        "view_pacssend",
    }
    assert codenames(SURGEON) == {
        "view_reviewrequest",
        "view_upload",
        "download_upload",
        "add_note",
        "view_note",
        "view_surgeonreview",
        "sign_review",
        "view_reviewletter",
        "send_review_letter",
        "view_pacssend",
    }


def request_urls(obj: ReviewRequest) -> dict[str, str]:
    base = f"/admin/intake/reviewrequest/{obj.pk}"
    return {
        "queue": "/admin/intake/reviewrequest/",
        "detail": f"{base}/change/",
        "assign": f"{base}/triage/assign/",
        "note": f"{base}/triage/note/",
        "more_files": f"{base}/triage/more-files/",
        "delete": f"{base}/delete/",
    }


def test_a_coordinator_views_assigns_moves_notes_asks_and_downloads(client):
    user = staff_user(role=COORDINATOR)
    obj = ReviewRequestFactory()
    upload = UploadFactory(request=obj)
    otp_login(client, user)
    urls = request_urls(obj)
    assert client.get(urls["queue"]).status_code == HTTPStatus.OK
    assert client.get(urls["detail"]).status_code == HTTPStatus.OK
    assert client.post(urls["assign"]).status_code == HTTPStatus.FOUND
    assert client.post(urls["note"], {"text": "Called, no answer."}).status_code == HTTPStatus.FOUND
    status_url = f"/admin/intake/reviewrequest/{obj.pk}/triage/status/"
    assert client.post(status_url, {"to": "in_review"}).status_code == HTTPStatus.FOUND
    # The review outcome is the surgeon's.
    refused = client.post(status_url, {"to": ReviewStatus.REVIEWED_CANDIDATE})
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert client.post(urls["more_files"]).status_code == HTTPStatus.FOUND
    assert client.get(f"/mri-review/files/{upload.pk}/").status_code == HTTPStatus.OK
    assert client.post(urls["delete"], {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    obj.refresh_from_db()
    assert (obj.assignee, obj.status) == (user, ReviewStatus.IN_REVIEW)
    assert Note.objects.filter(request=obj).count() == 1


def test_a_surgeon_views_notes_signs_the_review_and_downloads_only(client):
    user = staff_user(role=SURGEON, first_name="Rana", last_name="Okafor")
    obj = ReviewRequestFactory(status=ReviewStatus.IN_REVIEW)
    upload = UploadFactory(request=obj)
    otp_login(client, user)
    urls = request_urls(obj)
    assert client.get(urls["queue"]).status_code == HTTPStatus.OK
    assert client.get(urls["detail"]).status_code == HTTPStatus.OK
    assert client.post(urls["note"], {"text": "L4-5 disc; candidate."}).status_code == 302
    assert client.post(urls["assign"]).status_code == HTTPStatus.FORBIDDEN
    assert client.post(urls["more_files"]).status_code == HTTPStatus.FORBIDDEN
    status_url = f"/admin/intake/reviewrequest/{obj.pk}/triage/status/"
    assert client.post(status_url, {"to": ReviewStatus.SPAM}).status_code == HTTPStatus.FORBIDDEN
    # The outcome is recorded by signing a review (tests/test_surgeon_review.py), not by a button.
    signed = client.post(
        f"/admin/intake/reviewrequest/{obj.pk}/triage/review/",
        {
            "findings-TOTAL_FORMS": "1",
            "findings-INITIAL_FORMS": "0",
            "findings-0-level": "L4-L5",
            "findings-0-finding": "disc_herniation",
            "conclusion": "candidate",
            "reasons": "The disc is pressing on a nerve.",
        },
    )
    assert signed.status_code == HTTPStatus.FOUND
    assert client.get(f"/mri-review/files/{upload.pk}/").status_code == HTTPStatus.OK
    assert client.post(urls["delete"], {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    obj.refresh_from_db()
    assert obj.status == ReviewStatus.REVIEWED_CANDIDATE
    assert obj.assignee is None


def test_the_detail_page_offers_only_what_the_role_may_do(client):
    obj = ReviewRequestFactory(status=ReviewStatus.IN_REVIEW)
    otp_login(client, staff_user(role=SURGEON))
    html = client.get(request_urls(obj)["detail"]).content.decode()
    assert "Sign a review" in html
    assert 'value="spam"' not in html
    assert "Assign to me" not in html
    assert "link to add files" not in html
    assert "Add note" in html


def test_staff_without_a_role_see_no_requests_and_download_nothing(client):
    obj = ReviewRequestFactory()
    upload = UploadFactory(request=obj)
    otp_login(client, staff_user())
    urls = request_urls(obj)
    assert client.get(urls["queue"]).status_code == HTTPStatus.FORBIDDEN
    assert client.get(urls["detail"]).status_code == HTTPStatus.FORBIDDEN
    assert client.post(urls["note"], {"text": "x"}).status_code == HTTPStatus.FORBIDDEN
    assert client.get(f"/mri-review/files/{upload.pk}/").status_code == HTTPStatus.FORBIDDEN
    assert "MRI review requests" not in client.get("/admin/").content.decode()


def test_a_guessed_download_url_is_refused_to_staff_without_rights(client):
    upload = UploadFactory()
    otp_login(client, staff_user())
    for pk in (upload.pk, upload.pk + 1, upload.pk + 1000):
        assert client.get(f"/mri-review/files/{pk}/").status_code == HTTPStatus.FORBIDDEN


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client):
    obj = ReviewRequestFactory()
    upload = UploadFactory(request=obj)
    for url in [*request_urls(obj).values(), f"/mri-review/files/{upload.pk}/"]:
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND, url
        assert response["Location"].startswith("/admin/login/"), url


def test_only_a_superuser_may_delete_a_request_or_an_upload(admin_client):
    obj = ReviewRequestFactory()
    upload = UploadFactory(request=obj)
    deleted = admin_client.post(f"/admin/intake/upload/{upload.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == HTTPStatus.FOUND
    deleted = admin_client.post(f"/admin/intake/reviewrequest/{obj.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == HTTPStatus.FOUND
    assert not ReviewRequest.objects.exists()
