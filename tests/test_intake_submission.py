"""Keeping a request: all or nothing, once only, rate-limited, confirmed, e-mailed, quietly logged."""

import logging
import re
import uuid
from http import HTTPStatus

import pytest

from intake.models import ReviewRequest, Upload
from intake.uploads.storage import PrivateFileSystemStorage, PrivateS3Storage
from tests.factories import mr_small_bytes, pdf_bytes, png_bytes
from tests.intake_support import intake_settings, post_request  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("intake_settings"),
    pytest.mark.every_storage,
]


class FailOnKthSave:
    """Real private storage that fails on the k-th file written, as a full disk would."""

    saves = 0

    def __init__(self, *, fail_on: int, **options):
        super().__init__(**options)
        self.fail_on = fail_on

    def _write(self) -> None:
        FailOnKthSave.saves += 1
        if FailOnKthSave.saves == self.fail_on:
            raise OSError("No space left on device")

    def _save(self, name, content):  # a copy (a bucket's upload)
        self._write()
        return super()._save(name, content)

    def _link(self, source, path, name, **kwargs):  # local disk: a received file linked in
        self._write()
        return super()._link(source, path, name, **kwargs)


class FailOnKthLocalSave(FailOnKthSave, PrivateFileSystemStorage):
    pass


class FailOnKthS3Save(FailOnKthSave, PrivateS3Storage):
    pass


FAILING = {"local": FailOnKthLocalSave, "s3": FailOnKthS3Save}


@pytest.mark.parametrize("fail_on", [1, 2, 3])
def test_a_storage_failure_on_any_file_leaves_no_row_and_no_file(
    client, settings, private_storage, fail_on, mailoutbox
):
    FailOnKthSave.saves = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"tests.test_intake_submission.{FAILING[private_storage.backend].__name__}",
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "fail_on": fail_on},
        },
    }
    files = [("a.dcm", mr_small_bytes()), ("b.png", png_bytes()), ("c.pdf", pdf_bytes())]
    client.raise_request_exception = True
    with pytest.raises(OSError, match="No space left"):
        post_request(client, files=files)
    assert FailOnKthSave.saves == fail_on
    assert not ReviewRequest.objects.exists()
    assert not Upload.objects.exists()
    assert private_storage.names() == []
    assert mailoutbox == []


def test_no_e_mail_is_sent_before_the_request_is_committed(client, mailoutbox):
    post_request(client)  # the test's transaction never commits
    assert ReviewRequest.objects.exists()
    assert mailoutbox == []


def test_a_resubmitted_form_makes_one_request_and_shows_the_same_confirmation(client):
    token = str(uuid.uuid4())
    first = post_request(client, files=[("a.pdf", pdf_bytes())], submission_token=token)
    second = post_request(client, files=[("a.pdf", pdf_bytes())], submission_token=token)
    assert first.status_code == second.status_code == HTTPStatus.FOUND
    assert first["Location"] == second["Location"] == "/mri-review/thanks/"
    review_request = ReviewRequest.objects.get()
    assert review_request.uploads.count() == 1
    assert review_request.reference in client.get("/mri-review/thanks/").content.decode()


def test_two_forms_make_two_requests(client):
    post_request(client)
    post_request(client)
    assert ReviewRequest.objects.count() == 2


def test_the_confirmation_shows_the_reference_and_next_steps_but_no_health_details(client):
    response = post_request(client, follow=True, pain_onset_details="lifting a heavy box")
    review_request = ReviewRequest.objects.get()
    html = response.content.decode()
    assert response.redirect_chain == [("/mri-review/thanks/", HTTPStatus.FOUND)]
    assert review_request.reference in html
    assert "within 2 business days" in html
    assert "What happens next" in html
    for private in ["Maria", "Lopez", "lifting a heavy box", "maria@example.com", "1968"]:
        assert private not in html
    assert "no-store" in response["Cache-Control"]
    assert review_request.reference not in response.redirect_chain[0][0]


def test_the_confirmation_page_needs_the_session_that_submitted(client):
    post_request(client)
    client.cookies.clear()
    response = client.get("/mri-review/thanks/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/mri-review/"


def test_the_patient_and_the_inbox_get_e_mails_without_health_details(
    client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.INTAKE_INBOX_EMAIL = "intake@clinic.example"
    with django_capture_on_commit_callbacks(execute=True):
        post_request(client, both_legs="yes", pain_onset_details="after lifting")
    review_request = ReviewRequest.objects.get()
    to_patient, to_inbox = sorted(mailoutbox, key=lambda m: m.to[0] != "maria@example.com")
    assert to_patient.to == ["maria@example.com"]
    assert "Dear Maria," in to_patient.body
    assert review_request.reference in to_patient.subject
    assert "call 911 now" in to_patient.body
    assert to_inbox.to == ["intake@clinic.example"]
    assert to_inbox.subject == f"EMERGENCY NOW: New MRI review request {review_request.reference}"
    assert f"/admin/intake/reviewrequest/{review_request.pk}/change/" in to_inbox.body
    for message in (to_patient, to_inbox):
        for private in ["Lopez", "weakness", "after lifting", "1968", "555-201"]:
            assert private not in message.body + message.subject
    assert "Maria" not in to_inbox.body


def test_many_posts_from_one_address_are_paused_with_a_kind_message(client, settings):
    settings.INTAKE_RATE_LIMIT_POSTS = 2
    assert post_request(client).status_code == HTTPStatus.FOUND
    assert post_request(client).status_code == HTTPStatus.FOUND
    response = post_request(client)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Please try again later" in response.content.decode()
    assert ReviewRequest.objects.count() == 2


def test_another_address_is_not_limited_by_the_first(client, settings):
    settings.INTAKE_RATE_LIMIT_POSTS = 1
    post_request(client)
    assert post_request(client).status_code == HTTPStatus.TOO_MANY_REQUESTS
    client.defaults["REMOTE_ADDR"] = "203.0.113.9"
    assert post_request(client).status_code == HTTPStatus.FOUND


def test_behind_the_proxy_each_patient_is_counted_by_their_own_address(client, settings):
    """The proxy is every request's peer: its X-Forwarded-For names the patient."""
    settings.INTAKE_RATE_LIMIT_POSTS = 1
    settings.BEHIND_PROXY = True
    client.defaults["REMOTE_ADDR"] = "10.0.0.2"  # the proxy
    client.defaults["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
    assert post_request(client).status_code == HTTPStatus.FOUND
    assert post_request(client).status_code == HTTPStatus.TOO_MANY_REQUESTS
    client.defaults["HTTP_X_FORWARDED_FOR"] = "198.51.100.8"
    assert post_request(client).status_code == HTTPStatus.FOUND


def test_without_the_proxy_a_forwarded_address_is_not_believed(client, settings):
    settings.INTAKE_RATE_LIMIT_POSTS = 1
    assert post_request(client).status_code == HTTPStatus.FOUND
    client.defaults["HTTP_X_FORWARDED_FOR"] = "198.51.100.9"
    assert post_request(client).status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_logs_contain_no_form_contents_or_file_names(client, caplog):
    caplog.set_level(logging.DEBUG)
    post_request(client, files=[("Maria Lopez lumbar.pdf", pdf_bytes())], zip_code="10001")
    post_request(client, files=[("bad-Lopez.jpg", b"<html>")], first_name="")
    assert caplog.records, "the submission should log that a request was kept"
    text = "\n".join(record.getMessage() for record in caplog.records)
    for private in ["Maria", "Lopez", "lumbar", "maria@example.com", "555-201", "10001", "1968"]:
        # As a whole token: boto's debug lines (the S3 run) carry random hex that may hold "1968".
        assert not re.search(rf"(?<![0-9a-zA-Z]){re.escape(private)}(?![0-9a-zA-Z])", text), private
