"""Asking the patient for more files: a single-use, expiring link, same upload rules, shown to staff."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.core import mail
from django.utils import timezone

from intake.models import Upload, UploadLink
from tests.factories import ReviewRequestFactory, mr_small_bytes, pdf_bytes
from tests.intake_support import intake_settings, upload  # noqa: F401 — fixture
from tests.triage_support import COORDINATOR, otp_login, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_link(client, intake_settings, django_capture_on_commit_callbacks):  # noqa: F811
    obj = ReviewRequestFactory(first_name="Maria", last_name="Lopez")
    otp_login(client, staff_user(role=COORDINATOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/intake/reviewrequest/{obj.pk}/triage/more-files/")
    assert response.status_code == HTTPStatus.FOUND
    client.logout()
    (message,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/mri-review/more-files/[^\s]+/)", message.body).group(1)
    return obj, path, message


def test_the_email_has_the_first_name_and_link_only(sent_link):
    obj, path, message = sent_link
    assert message.to == [obj.email]
    assert "Dear Maria," in message.body
    for private in (obj.last_name, obj.reference, obj.phone, str(obj.date_of_birth)):
        assert private not in message.body
        assert private not in message.subject
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert not UploadLink.objects.filter(token_hash=token).exists()  # only a hash is stored


def test_the_patient_adds_files_once_and_staff_see_them_arrive(client, sent_link):
    obj, path, _message = sent_link
    page = client.get(path)
    assert page.status_code == HTTPStatus.OK
    assert obj.last_name not in page.content.decode()
    response = client.post(
        path, {"files": [upload("IM0001.dcm", mr_small_bytes()), upload("report.pdf", pdf_bytes())]}
    )
    assert response.status_code == HTTPStatus.OK
    assert "2 files were added" in response.content.decode()
    assert sorted(Upload.objects.filter(request=obj).values_list("kind", flat=True)) == [
        "dicom",
        "pdf",
    ]
    link = UploadLink.objects.get()
    assert link.used_at is not None
    assert link.files_added == 2
    # Single use.
    assert client.get(path).status_code == HTTPStatus.GONE
    again = client.post(path, {"files": [upload("more.pdf", pdf_bytes())]})
    assert again.status_code == HTTPStatus.GONE
    assert Upload.objects.filter(request=obj).count() == 2
    # Staff see when the files arrived.
    otp_login(client, staff_user("c2@example.org", role=COORDINATOR))
    html = client.get(f"/admin/intake/reviewrequest/{obj.pk}/change/").content.decode()
    assert "2 files arrived" in html


def test_the_same_upload_rules_apply(client, sent_link):
    _obj, path, _message = sent_link
    response = client.post(path, {"files": [upload("virus.exe", b"MZ" + b"\0" * 300)]})
    assert response.status_code == HTTPStatus.OK
    assert "“virus.exe” was not accepted: it is a computer program" in response.content.decode()
    assert not Upload.objects.exists()
    assert UploadLink.objects.get().used_at is None  # a refused try does not use the link up
    empty = client.post(path, {})
    assert "Choose at least one file to send" in empty.content.decode()


def test_an_expired_link_does_nothing(client, sent_link):
    _obj, path, _message = sent_link
    UploadLink.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert client.get(path).status_code == HTTPStatus.GONE
    assert client.post(path, {"files": [upload("r.pdf", pdf_bytes())]}).status_code == 410
    assert not Upload.objects.exists()


def test_an_unknown_link_does_nothing(client, intake_settings):  # noqa: F811
    assert client.get("/mri-review/more-files/not-a-real-token/").status_code == HTTPStatus.GONE
