"""The "Where is my request?" page: each workflow status shows the right step in plain words, with
nothing else about the patient; a wrong reference and a wrong date of birth get the same answer;
1,000 guesses get nowhere; every look-up is in the access log with its outcome."""

import datetime
import re
import secrets
from http import HTTPStatus

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.enums import (
    AccessAction,
    AccessOutcome,
    ImagingPlan,
    ReviewConclusion,
    ReviewStatus,
    UploadStatus,
)
from intake.models import REFERENCE_ALPHABET, AccessLog, ReviewLetter, UploadLink
from intake.request.status import STAGE_OF_STATUS
from tests.factories import ReviewRequestFactory, UploadFactory
from tests.intake_support import intake_settings, post_request  # noqa: F401
from tests.review_support import coordinator, signed_review
from tests.test_plain_words import (
    MAX_PAGE_GRADE,
    MAX_SENTENCE_GRADE,
    VisibleText,
    as_text,
    grade,
    sentences,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]
URL = "/mri-review/status/"
DOB = "05/17/1970"  # tests.factories.ReviewRequestFactory's

# What the patient wrote that the page must never show (it shows only what was typed on it).
PRIVATE = {
    "first_name": "Zebulon",
    "last_name": "Quarrington",
    "email": "zebulon.q@example.org",
    "phone": "555-987-1234",
    "zip_code": "90210",
    "mri_facility": "Lakeside Imaging Center",
    "pain_onset_details": "Lifting a heavy sofa upstairs",
    "spine_surgery_when": "Spring of 2019",
    "insurance_carrier": "Acme Health Mutual",
}
# Words of the form's health answers and of the surgeon's conclusion.
HEALTH_WORDS = ["pain", "leg", "candidate", "surgery", "disc", "insurance", "Lower back", "tier"]


def a_request(**fields):
    return ReviewRequestFactory(**{**PRIVATE, **fields})


def look_up(client, review_request=None, *, extra=None, **changes):
    """Post the look-up form; `extra` is the request's environment (REMOTE_ADDR)."""
    data = {"reference": review_request.reference if review_request else "", "date_of_birth": DOB}
    return client.post(URL, {**data, **changes}, **(extra or {}))


def main_text(response) -> str:
    parser = VisibleText()
    parser.feed(response.content.decode())
    parser.flush()
    return " ".join(parser.blocks)


def status_section(response) -> str:
    html = response.content.decode()
    return re.search(r'<section class="status-now".*?</section>', html, re.S).group(0)


def without_echo(response) -> str:
    """The page less the values it echoes back: the CSRF token and what the visitor typed."""
    return re.sub(r' value="[^"]*"', "", response.content.decode())


def sent_letter(review_request, conclusion=ReviewConclusion.CANDIDATE):
    return ReviewLetter.objects.create(
        review=signed_review(review_request, conclusion=conclusion),
        sent_by=coordinator(),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )


def upload_link(review_request, **extra):
    return UploadLink.objects.create(
        request=review_request,
        token_hash=secrets.token_hex(32),
        created_by=coordinator(),
        expires_at=extra.get("expires_at", timezone.now() + datetime.timedelta(days=7)),
        used_at=extra.get("used_at"),
    )


# --- What it shows --------------------------------------------------------------------------------


def test_the_form_is_a_csrf_protected_post_never_cached(client):
    page = client.get(URL)
    assert page.status_code == HTTPStatus.OK
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert '<form method="post"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    checking = client.__class__(enforce_csrf_checks=True)
    refused = checking.post(URL, {"reference": "BC-AAAA-AAAA", "date_of_birth": DOB})
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert not AccessLog.objects.exists()


def test_the_right_answers_show_the_step_never_cached_and_logged(client):
    obj = a_request()
    typed = obj.reference.lower().replace("-", " ")
    response = look_up(client, obj, reference=f" {typed} ", extra={"REMOTE_ADDR": "192.0.2.5"})
    assert response.status_code == HTTPStatus.OK
    assert "no-store" in response["Cache-Control"]
    assert "We have your request" in status_section(response)
    assert obj.reference in response.content.decode()
    record = AccessLog.objects.get()
    assert record.action == AccessAction.STATUS
    assert record.outcome == AccessOutcome.SHOWN
    assert record.user is None
    assert record.request_id == obj.pk
    assert record.reference == obj.reference
    assert record.client_address == "192.0.2.5"


def test_a_look_up_record_without_an_outcome_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLog.objects.create(action=AccessAction.STATUS, reference="BC-2345-6789")
    AccessLog.objects.create(action=AccessAction.VIEW, reference="BC-2345-6789")  # staff: none


def test_every_workflow_status_has_a_patient_step():
    assert set(STAGE_OF_STATUS) == set(ReviewStatus.values)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ReviewStatus.NEW, "Our team will look at it soon"),
        (ReviewStatus.IN_REVIEW, "You do not need to do anything now"),
        (ReviewStatus.WAITING_FOR_PATIENT, "We need something from you"),
        # Signed but no letter sent yet: the team is still at work.
        (ReviewStatus.REVIEWED_CANDIDATE, "Our spine team is looking at your request"),
        (ReviewStatus.PATIENT_CONTACTED, "We have been in touch with you about it"),
        (ReviewStatus.CLOSED, "We have closed this request"),
        (ReviewStatus.SPAM, "We have closed this request"),
    ],
)
def test_each_status_shows_its_step(client, status, expected):
    obj = a_request(status=status)
    assert expected in status_section(look_up(client, obj))


def steps_of(response) -> list[tuple[str, str]]:
    html = response.content.decode()
    return [
        (state, " ".join(label.split()))
        for state, label in re.findall(
            r'status-step-(\w+)"[^>]*>\s*<span[^>]*>[^<]*</span>([^<]*)</li>', html
        )
    ]


def test_the_steps_mark_where_the_request_is_and_skip_reading_files_when_none_came(client):
    with_files = a_request(status=ReviewStatus.IN_REVIEW)
    UploadFactory(request=with_files, status=UploadStatus.PROCESSED)
    assert steps_of(look_up(client, with_files)) == [
        ("done", "We have your request"),
        ("done", "We are checking your files"),
        ("now", "Our spine team is looking at your request"),
        ("next", "Your review is ready"),
    ]
    by_post = a_request(status=ReviewStatus.WAITING_FOR_PATIENT, imaging_plan=ImagingPlan.SEND_CD)
    assert steps_of(look_up(client, by_post)) == [
        ("done", "We have your request"),
        ("now", "Our spine team is looking at your request"),
        ("next", "Your review is ready"),
    ]
    assert steps_of(look_up(client, a_request(status=ReviewStatus.CLOSED))) == []


def test_files_still_being_read_show_checking_files(client):
    obj = a_request(imaging_plan=ImagingPlan.UPLOAD)
    UploadFactory(request=obj)
    UploadFactory(request=obj)
    section = status_section(look_up(client, obj))
    assert "We are checking your files" in section
    assert "2 files still to go" in section


def test_files_we_could_not_read_are_named_with_what_to_do(client):
    obj = a_request(status=ReviewStatus.IN_REVIEW)
    UploadFactory(request=obj, original_name="scan_page_1.png", status=UploadStatus.PROCESSED)
    UploadFactory(
        request=obj,
        original_name="broken_disc_photo.png",
        status=UploadStatus.FAILED,
        failure_reason="Not an image (for staff)",
    )
    response = look_up(client, obj)
    html = response.content.decode()
    assert "Files we could not read" in html
    assert '<li class="file-name">broken_disc_photo.png</li>' in html
    assert "scan_page_1.png" not in html
    assert "If we need new copies, we will e-mail you a link" in html
    assert "for staff" not in html


def test_waiting_for_more_files_tells_when_the_link_was_sent_and_until_when_it_works(client):
    obj = a_request(status=ReviewStatus.WAITING_FOR_PATIENT)
    link = upload_link(obj)
    section = status_section(look_up(client, obj))
    assert "We need more MRI files from you" in section
    assert f"until {link.expires_at:%B} {link.expires_at.day}" in section
    # No usable link on the page: it exists only in the patient's e-mail (docs/security.md).
    assert "/mri-review/more-files/" not in look_up(client, obj).content.decode()


def test_an_expired_more_files_link_says_call_us(client):
    obj = a_request(status=ReviewStatus.WAITING_FOR_PATIENT)
    upload_link(obj, expires_at=timezone.now() - datetime.timedelta(hours=1))
    assert "That link has stopped working" in status_section(look_up(client, obj))


def test_waiting_for_a_cd_gives_the_address(client, settings):
    obj = a_request(status=ReviewStatus.WAITING_FOR_PATIENT, imaging_plan=ImagingPlan.SEND_CD)
    section = status_section(look_up(client, obj))
    assert "We are waiting for your CD or films" in section
    assert settings.CLINIC["address"] in section


def test_a_sent_letter_makes_the_review_ready_and_says_how_to_get_it(client):
    obj = a_request(status=ReviewStatus.IN_REVIEW)
    letter = sent_letter(obj)
    obj.refresh_from_db()
    assert obj.status == ReviewStatus.REVIEWED_CANDIDATE
    section = status_section(look_up(client, obj))
    assert "Your review is ready" in section
    assert "type your reference and your date of birth" in section
    assert f"until {letter.expires_at:%B} {letter.expires_at.day}" in section
    assert "/mri-review/letter/" not in look_up(client, obj).content.decode()


def test_a_candidate_and_a_not_candidate_read_the_same(client):
    candidate = a_request(status=ReviewStatus.IN_REVIEW)
    sent_letter(candidate)
    other = a_request(status=ReviewStatus.IN_REVIEW)
    sent_letter(other, conclusion=ReviewConclusion.CONSERVATIVE)
    other.refresh_from_db()
    assert other.status == ReviewStatus.REVIEWED_NOT_CANDIDATE
    first = look_up(client, candidate).content.decode().replace(candidate.reference, "REF")
    second = look_up(client, other).content.decode().replace(other.reference, "REF")
    assert re.sub(r' value="[^"]*"', "", first) == re.sub(r' value="[^"]*"', "", second)


def test_no_answer_no_health_detail_and_no_name_in_any_step(client):
    pages = []
    for status in ReviewStatus.values:
        obj = a_request(status=status, tried_physical_therapy=True, had_spine_surgery=True)
        UploadFactory(
            request=obj,
            original_name="mri.png",
            status=UploadStatus.FAILED,
            failure_reason="Could not be read",
        )
        response = look_up(client, obj)
        assert 'class="status-now"' in response.content.decode(), status
        pages.append(response.content.decode())
    for html in pages:
        for value in PRIVATE.values():
            assert value not in html
        text = main_text_of(html)
        for word in HEALTH_WORDS:
            assert word.lower() not in text.lower(), word


def main_text_of(html: str) -> str:
    """The page's own words (main only: the footer and safety box speak of pain for everyone)."""
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    main = re.sub(r"<aside.*?</aside>", "", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", main)


def test_the_confirmation_page_and_e_mail_point_to_the_status_page(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_request(client)
    thanks = client.get("/mri-review/thanks/").content.decode()
    assert f'href="{URL}">Where is my request?</a>' in thanks
    (confirmation,) = [m for m in mailoutbox if m.to != [settings.INTAKE_INBOX_EMAIL]]
    assert f"{settings.SITE_URL.rstrip('/')}{URL}\n" in confirmation.body
    assert "type your reference and your date of birth" in confirmation.body


# --- Wrong answers and brute force ----------------------------------------------------------------


def test_a_wrong_reference_and_a_wrong_birth_date_get_the_same_answer(client):
    obj = a_request()
    other = a_request()  # a real reference, of someone else
    wrong_reference = look_up(client, obj, reference=other.reference, date_of_birth="01/02/1970")
    wrong_birth = look_up(client, obj, date_of_birth="05/18/1970")
    unknown = look_up(client, obj, reference="BC-2222-2222")
    assert wrong_reference.status_code == wrong_birth.status_code == unknown.status_code == 200
    assert without_echo(wrong_reference) == without_echo(wrong_birth) == without_echo(unknown)
    assert "does not match our records" in without_echo(wrong_birth)
    outcomes = list(AccessLog.objects.order_by("pk").values_list("outcome", "request_id"))
    assert outcomes == [
        (AccessOutcome.NO_MATCH, other.pk),  # the log (staff only) tells them apart
        (AccessOutcome.NO_MATCH, obj.pk),
        (AccessOutcome.NO_MATCH, None),
    ]


def checks_of(queries) -> int:
    """How many look-ups reached the requests table."""
    return sum('FROM "intake_reviewrequest"' in q["sql"] for q in queries)


def guessed_reference(n: int) -> str:
    """The n-th of a stranger's guesses: a well-formed reference (the right date of birth)."""
    digits = "".join(REFERENCE_ALPHABET[int(d)] for d in f"{n:08d}")
    return f"BC-{digits[:4]}-{digits[4:]}"


def test_a_thousand_guesses_from_one_address_get_nowhere(client, settings):
    settings.INTAKE_STATUS_ATTEMPTS = 10
    obj = a_request()
    with CaptureQueriesContext(connection) as queries:
        answers = [
            look_up(client, obj, reference=guessed_reference(n)).status_code for n in range(999)
        ]
        # The 1,000th guess is right, and refused all the same.
        answers.append(look_up(client, obj).status_code)
    assert answers[:10] == [HTTPStatus.OK] * 10
    assert set(answers[10:]) == {HTTPStatus.TOO_MANY_REQUESTS}
    assert checks_of(queries.captured_queries) == 10
    outcomes = list(AccessLog.objects.values_list("outcome", flat=True))
    assert outcomes.count(AccessOutcome.NO_MATCH) == 10
    assert outcomes.count(AccessOutcome.LIMITED) == 1  # the first refusal, not 990 rows
    assert AccessOutcome.SHOWN not in outcomes
    # Another address is not held up.
    shown = look_up(client, obj, extra={"REMOTE_ADDR": "192.0.2.99"})
    assert "We have your request" in status_section(shown)


def test_a_thousand_guesses_at_one_reference_from_many_addresses_get_nowhere(client, settings):
    settings.INTAKE_STATUS_ATTEMPTS = 10
    obj = a_request()
    start = datetime.date(1940, 1, 1)
    with CaptureQueriesContext(connection) as queries:
        answers = [
            look_up(
                client,
                obj,
                date_of_birth=f"{start + datetime.timedelta(days=n):%m/%d/%Y}",
                extra={"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.1"},
            ).status_code
            for n in range(999)
        ]
        answers.append(look_up(client, obj, extra={"REMOTE_ADDR": "10.99.0.1"}).status_code)
    assert answers.count(HTTPStatus.OK) == 10
    assert answers[-1] == HTTPStatus.TOO_MANY_REQUESTS
    assert checks_of(queries.captured_queries) == 10
    limited = AccessLog.objects.filter(outcome=AccessOutcome.LIMITED).get()
    assert limited.reference == obj.reference
    assert limited.detail == "limited by reference"


def test_the_limited_page_is_the_same_for_an_address_and_a_reference(client, settings):
    settings.INTAKE_STATUS_ATTEMPTS = 1
    obj = a_request()
    look_up(client, obj, date_of_birth="01/01/1999")
    by_address = look_up(client, obj, reference="BC-3333-3333")
    by_reference = look_up(client, obj, extra={"REMOTE_ADDR": "192.0.2.44"})
    assert by_address.status_code == by_reference.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert without_echo(by_address) == without_echo(by_reference)
    assert "too many tries" in by_address.content.decode()


def test_the_status_pages_read_plainly(client, settings):
    settings.INTAKE_STATUS_ATTEMPTS = 100  # many look-ups from one test address
    pages = {"form": client.get(URL)}
    for status in ReviewStatus.values:
        obj = a_request(status=status)
        pages[status] = look_up(client, obj)
    waiting = a_request(status=ReviewStatus.WAITING_FOR_PATIENT)
    upload_link(waiting)
    pages["more files"] = look_up(client, waiting)
    ready = a_request(status=ReviewStatus.IN_REVIEW)
    sent_letter(ready)
    pages["letter"] = look_up(client, ready)
    pages["wrong"] = look_up(client, ready, date_of_birth="01/01/1990")
    checking = a_request()
    UploadFactory(request=checking)
    UploadFactory(request=checking, status=UploadStatus.FAILED, failure_reason="Unreadable")
    pages["checking, one unreadable"] = look_up(client, checking)
    by_post = a_request(status=ReviewStatus.WAITING_FOR_PATIENT, imaging_plan=ImagingPlan.SEND_CD)
    pages["waiting for a CD"] = look_up(client, by_post)
    expired = a_request(status=ReviewStatus.WAITING_FOR_PATIENT)
    upload_link(expired, expires_at=timezone.now() - datetime.timedelta(days=1))
    pages["link expired"] = look_up(client, expired)
    settings.INTAKE_STATUS_ATTEMPTS = 0
    pages["limited"] = look_up(client, ready)
    assert pages["limited"].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert [name for name, r in pages.items() if r.status_code != HTTPStatus.OK] == ["limited"]
    for name, response in pages.items():
        parser = VisibleText()
        parser.feed(response.content.decode())
        parser.flush()
        assert grade(as_text(parser.blocks)) <= MAX_PAGE_GRADE, name
        too_hard = [s for s in sentences(parser.blocks) if grade(s) > MAX_SENTENCE_GRADE]
        assert too_hard == [], name
