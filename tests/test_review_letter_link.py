"""The patient's link to their letter: it expires, it needs the reference and the date of birth
(a wrong one of either gets the same answer), it is rate-limited per address and per reference,
every letter handed over is in the access log, and the download is never cached and names no one."""

import datetime
import email
import re
from http import HTTPStatus

import pytest
from django.core import signing
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from intake.enums import AccessAction, ReviewConclusion
from intake.models import AccessLog, ReviewLetter, ReviewNotAllowed
from intake.request.letters import letter_url
from intake.triage.review import preview_detail, send_review_letter
from tests.intake_support import intake_settings, run_db_worker  # noqa: F401
from tests.review_support import coordinator, signed_review
from tests.test_plain_words import MAX_PAGE_GRADE, VisibleText, as_text, grade

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]
DOB = "05/17/1970"  # tests.factories.ReviewRequestFactory's


def sent_letter(review=None, **extra) -> ReviewLetter:
    review = review or signed_review()
    return ReviewLetter.objects.create(
        review=review,
        sent_by=coordinator(),
        expires_at=extra.pop("expires_at", timezone.now() + datetime.timedelta(days=30)),
    )


def path_of(letter: ReviewLetter) -> str:
    return re.sub(r"^https?://[^/]+", "", letter_url(letter))


def answers(letter: ReviewLetter, **changes) -> dict:
    return {"reference": letter.review.request.reference, "date_of_birth": DOB, **changes}


def page_without_echo(response) -> str:
    """The page less the values it echoes back: the CSRF token and what the visitor typed."""
    return re.sub(r' value="[^"]*"', "", response.content.decode())


def test_the_right_reference_and_birth_date_download_the_letter_never_cached(client):
    letter = sent_letter()
    review_request = letter.review.request
    page = client.get(path_of(letter))
    assert page.status_code == HTTPStatus.OK
    assert "no-store" in page["Cache-Control"]
    response = client.post(path_of(letter), answers(letter))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="review-letter-{review_request.reference}.pdf"'
    assert review_request.first_name not in disposition
    assert review_request.last_name not in disposition


def test_the_reference_is_forgiven_its_case_spaces_and_dashes(client):
    letter = sent_letter()
    typed = letter.review.request.reference.lower().replace("-", " ")
    response = client.post(path_of(letter), answers(letter, reference=f"  {typed} "))
    assert response["Content-Type"] == "application/pdf"


def test_each_fetch_writes_one_access_record_and_a_refusal_none(client):
    letter = sent_letter()
    client.post(path_of(letter), answers(letter, date_of_birth="01/01/1971"))
    assert not AccessLog.objects.exists()
    client.post(path_of(letter), answers(letter), REMOTE_ADDR="192.0.2.10")
    client.post(path_of(letter), answers(letter), REMOTE_ADDR="192.0.2.10")
    records = list(AccessLog.objects.filter(action=AccessAction.LETTER))
    assert len(records) == 2
    assert AccessLog.objects.count() == 2
    record = records[0]
    assert record.user is None  # the patient
    assert record.reference == letter.review.request.reference
    assert record.request_id == letter.review.request_id
    assert record.client_address == "192.0.2.10"
    assert record.detail == f"letter {letter.pk}, review version 1"


def test_a_wrong_reference_and_a_wrong_birth_date_get_the_same_answer(client):
    letter = sent_letter()
    other = signed_review()  # a real reference, of someone else
    # One link for both posts: a link is signed with the time, so two signings a second apart differ.
    path = path_of(letter)
    wrong_reference = client.post(path, answers(letter, reference=other.request.reference))
    wrong_birth = client.post(path, answers(letter, date_of_birth="05/18/1970"))
    assert wrong_reference.status_code == wrong_birth.status_code == HTTPStatus.OK
    assert page_without_echo(wrong_reference) == page_without_echo(wrong_birth)
    assert "does not match our records" in page_without_echo(wrong_birth)
    assert wrong_birth["Content-Type"].startswith("text/html")


def test_an_expired_link_shows_a_clear_page_and_no_letter(client):
    letter = sent_letter(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    for response in (
        client.get(path_of(letter)),
        client.post(path_of(letter), answers(letter)),
    ):
        assert response.status_code == HTTPStatus.GONE
        html = response.content.decode()
        assert "This link has stopped working" in html
        assert "call us at" in html
        assert letter.review.request.reference not in html
    assert not AccessLog.objects.exists()


def test_a_newer_letter_replaces_the_old_link(client):
    first = sent_letter()
    correction = signed_review(
        first.review.request, conclusion=ReviewConclusion.REFER, correction_note="Other level."
    )
    second = sent_letter(correction)
    assert client.post(path_of(first), answers(first)).status_code == HTTPStatus.GONE
    assert client.post(path_of(second), answers(second))["Content-Type"] == "application/pdf"


# Tokens are made inside the test: made at collection they hold the time, and the two pytest-xdist
# workers would collect different tests.
FORGED_TOKENS = {
    "nonsense": lambda: "nonsense",
    "another-salt": lambda: signing.dumps(1, salt="another.salt"),
    "a-string-id": lambda: signing.dumps("1", salt="intake.review-letter"),
}


@pytest.mark.parametrize("forged", FORGED_TOKENS)
def test_a_link_we_did_not_make_is_not_found(client, forged):
    sent_letter()
    response = client.get(f"/mri-review/letter/{FORGED_TOKENS[forged]()}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "This link has stopped working" in response.content.decode()


def test_tries_are_limited_per_address(client, settings):
    settings.INTAKE_LETTER_ATTEMPTS = 3
    first, second = sent_letter(), sent_letter()
    for _ in range(2):
        client.post(path_of(first), answers(first, date_of_birth="01/01/1990"))
    client.post(path_of(second), answers(second, date_of_birth="01/01/1990"))
    # A fourth try from the same address, even a right one for another letter, must wait.
    limited = client.post(path_of(second), answers(second))
    assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "too many tries" in limited.content.decode()
    assert not AccessLog.objects.exists()
    # Another address is not held up.
    other = client.post(path_of(second), answers(second), REMOTE_ADDR="192.0.2.77")
    assert other["Content-Type"] == "application/pdf"


def test_tries_are_limited_per_reference_across_addresses(client, settings):
    settings.INTAKE_LETTER_ATTEMPTS = 3
    letter = sent_letter()
    for n in range(3):
        client.post(
            path_of(letter), answers(letter, date_of_birth="01/01/1990"), REMOTE_ADDR=f"192.0.2.{n}"
        )
    limited = client.post(path_of(letter), answers(letter), REMOTE_ADDR="192.0.2.200")
    assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not AccessLog.objects.exists()


def test_the_patient_pages_read_plainly(client):
    letter = sent_letter()
    expired = sent_letter(expires_at=timezone.now() - datetime.timedelta(days=1))
    pages = {
        "form": client.get(path_of(letter)),
        "wrong": client.post(path_of(letter), answers(letter, date_of_birth="01/01/1990")),
        "gone": client.get(path_of(expired)),
    }
    for name, response in pages.items():
        parser = VisibleText()
        parser.feed(response.content.decode())
        parser.flush()
        assert grade(as_text(parser.blocks)) <= MAX_PAGE_GRADE, name


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_sends_the_e_mail_once_and_its_link_opens_the_letter(
    client, settings, tmp_path, private_storage
):
    """Through the real queue and worker process: the send queues the e-mail, the worker sends it
    (a second run sends nothing more), and the link in it works with the reference and birth date."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    review = signed_review()
    user = coordinator()
    with pytest.raises(ReviewNotAllowed):
        send_review_letter(review=review, user=user)  # not previewed yet
    AccessLog.objects.create(
        user=user,
        action=AccessAction.LETTER_PREVIEW,
        request_id=review.request_id,
        reference=review.request.reference,
        detail=preview_detail(review),
    )
    letter = send_review_letter(review=review, user=user)
    assert DBTaskResult.objects.get().status == "READY"

    run_db_worker(tmp_path, private_storage)
    run_db_worker(tmp_path, private_storage)

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    (mail_file,) = (tmp_path / "mail").iterdir()
    raw = mail_file.read_text()
    assert raw.count("Subject: Your MRI review is ready") == 1
    body = email.message_from_string(raw).get_payload(decode=True).decode()
    letter.refresh_from_db()
    assert letter.emailed_at is not None
    url = re.search(r"https?://\S+/mri-review/letter/\S+/", body).group(0)
    path = re.sub(r"^https?://[^/]+", "", url)
    response = client.post(path, answers(letter))
    assert response["Content-Type"] == "application/pdf"
