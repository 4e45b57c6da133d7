"""The patient is told: the letter made from the signed review (plain words for every conclusion, a
real PDF with the right text), the staff preview before the explicit send, and the e-mail that says
only that the letter is ready."""

import io
import re
from http import HTTPStatus

import pypdf
import pytest
from django.utils import timezone

from intake.enums import AccessAction, Finding, ReviewConclusion, ReviewStatus, SpineLevel
from intake.models import AccessLog, ReviewLetter, ReviewNotAllowed
from intake.request import letters
from intake.request.letters import CONCLUSION_WORDS, FINDING_WORDS
from intake.triage.review import send_review_letter
from tests.factories import ReviewRequestFactory
from tests.intake_support import intake_settings  # noqa: F401
from tests.review_support import REASONS, coordinator, signed_review, surgeon
from tests.test_plain_words import (
    MAX_PAGE_GRADE,
    MAX_SENTENCE_GRADE,
    VisibleText,
    as_text,
    grade,
    sentences,
)
from tests.triage_support import otp_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

# Every kind of finding, at levels of every region and across regions.
EVERY_FINDING = [
    {"level": level, "finding": finding, "detail": "synovial cyst" if finding == "other" else ""}
    for level, finding in zip(
        ["C5-C6", "T12-L1", "L2-L3", "L3-L4", "L4-L5", "L5-S1", "T7-T8", "C7-T1"],
        Finding.values,
        strict=True,
    )
]


def letter_blocks(review) -> list[str]:
    parser = VisibleText()
    parser.feed(letters.letter_html(review))
    parser.flush()
    return parser.blocks


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


# --- The letter -----------------------------------------------------------------------------------


@pytest.mark.parametrize("conclusion", ReviewConclusion.values)
def test_the_letter_reads_plainly_for_every_conclusion(conclusion):
    review = signed_review(conclusion=conclusion, findings=EVERY_FINDING)
    blocks = letter_blocks(review)
    text = as_text(blocks)
    assert CONCLUSION_WORDS[conclusion].heading in text
    assert grade(text) <= MAX_PAGE_GRADE, grade(text)
    too_hard = {s: grade(s) for s in sentences(blocks) if grade(s) > MAX_SENTENCE_GRADE}
    assert too_hard == {}


def test_every_finding_and_level_has_plain_words():
    assert set(FINDING_WORDS) == set(Finding)
    words = [letters.level_words(level) for level in SpineLevel.values]
    assert words[SpineLevel.values.index("L4-L5")] == (
        "between the 4th and 5th bones of your lower back (L4-L5)"
    )
    assert letters.level_words("L5-S1") == "where your lower back meets your pelvis (L5-S1)"
    assert letters.level_words("T11-T12") == (
        "between the 11th and 12th bones of your middle back (T11-T12)"
    )
    too_hard = {w: grade(w) for w in FINDING_WORDS.values() if grade(w) > MAX_SENTENCE_GRADE}
    assert too_hard == {}


def test_the_pdf_is_a_real_pdf_with_the_clinic_the_findings_and_the_real_signer(settings):
    settings.CLINIC = {
        **settings.CLINIC,
        "name": "Riverside Spine Clinic",
        "phone": "(555) 555-0142",
    }
    patient = ReviewRequestFactory(last_name="Wojciechowska", status=ReviewStatus.IN_REVIEW)
    review = signed_review(patient, conclusion=ReviewConclusion.CANDIDATE)
    review_request = review.request
    text = pdf_text(letters.letter_pdf(review))
    for expected in (
        "Riverside Spine Clinic",
        "(555) 555-0142",
        review_request.reference,
        f"Dear {review_request.first_name}",
        CONCLUSION_WORDS[ReviewConclusion.CANDIDATE].heading,
        "Between the 4th and 5th bones of your lower back (L4-L5): a disc that has pushed out "
        "and may press on a nerve.",
        "Where your lower back meets your pelvis (L5-S1): wear and tear in the small joints",
        " ".join(REASONS.split()),
        "We will call you to book a visit with the surgeon.",
        f"signed by Rana Okafor on {timezone.localtime(review.signed_at):%B} "
        f"{timezone.localtime(review.signed_at).day}",
        "Call 911",
    ):
        assert expected in text, expected
    # Nobody invented: the signer is the staff user who signed, with no title added.
    assert "Dr" not in text
    assert review_request.last_name not in text


def test_a_correction_letter_says_it_replaces_the_one_before():
    first = signed_review()
    second = signed_review(
        first.request, conclusion=ReviewConclusion.REFER, correction_note="Wrong level."
    )
    assert "replaces the one we sent you before" in as_text(letter_blocks(second))
    assert "replaces" not in as_text(letter_blocks(first))


# --- Preview, then send ---------------------------------------------------------------------------


def admin_urls(review) -> dict[str, str]:
    base = f"/admin/intake/reviewrequest/{review.request.pk}/triage/review/{review.version}"
    return {"preview": f"{base}/letter.pdf", "send": f"{base}/send/"}


def test_staff_preview_the_letter_as_a_pdf_and_the_preview_is_logged(client):
    review = signed_review()
    user = coordinator()
    otp_login(client, user)
    response = client.get(admin_urls(review)["preview"])
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert review.request.reference in pdf_text(response.content)
    record = AccessLog.objects.get(action=AccessAction.LETTER_PREVIEW)
    assert (record.user, record.reference) == (user, review.request.reference)


def test_the_letter_is_sent_only_by_an_explicit_send_after_the_preview(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    review = signed_review()
    otp_login(client, coordinator())
    assert not mailoutbox  # signing sends nothing
    client.post(admin_urls(review)["send"], follow=True)
    assert not ReviewLetter.objects.exists()
    client.get(admin_urls(review)["preview"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(admin_urls(review)["send"])
    assert response.status_code == HTTPStatus.FOUND
    letter = ReviewLetter.objects.get()
    assert letter.emailed_at is not None
    assert [m.to for m in mailoutbox] == [[review.request.email]]


def test_staff_without_the_permission_cannot_preview_or_send(client):
    from tests.triage_support import staff_user

    review = signed_review()
    otp_login(client, staff_user("norole@example.org"))
    assert client.get(admin_urls(review)["preview"]).status_code == HTTPStatus.FORBIDDEN
    assert client.post(admin_urls(review)["send"]).status_code == HTTPStatus.FORBIDDEN
    assert not AccessLog.objects.filter(action=AccessAction.LETTER_PREVIEW).exists()


def test_only_the_version_in_force_is_sent(rf):
    first = signed_review()
    signed_review(first.request, conclusion=ReviewConclusion.REFER, correction_note="Other level.")
    with pytest.raises(ReviewNotAllowed, match="newer version"):
        send_review_letter(review=first, user=surgeon())


def test_the_e_mail_says_the_letter_is_ready_with_no_health_details(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    patient = ReviewRequestFactory(last_name="Wojciechowska", status=ReviewStatus.IN_REVIEW)
    review = signed_review(patient, conclusion=ReviewConclusion.CANDIDATE)
    review_request = review.request
    otp_login(client, coordinator())
    client.get(admin_urls(review)["preview"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(admin_urls(review)["send"])
    (message,) = mailoutbox
    text = f"{message.subject}\n{message.body}"
    assert f"Dear {review_request.first_name}," in text
    assert review_request.reference in text
    link = re.search(r"https?://\S+/mri-review/letter/\S+/", text).group(0)
    assert review_request.reference not in link
    # Nothing about the body, the findings, the conclusion or the patient beyond first name.
    forbidden = [
        review_request.last_name,
        review_request.date_of_birth.strftime("%m/%d/%Y"),
        review_request.date_of_birth.isoformat(),
        "1970",
        review.reasons[:30],
        "surgery",
        "disc",
        "nerve",
        "L4",
        "L5",
        "candidate",
        *(words.heading for words in CONCLUSION_WORDS.values()),
        *FINDING_WORDS.values(),
    ]
    # The link's signature is random letters: look in the words around it.
    words = text.replace(link, "").lower()
    found = [word for word in forbidden if word.lower() in words]
    assert found == []
    assert "does not contain any of your health details" in text


def test_start_up_names_missing_pdf_libraries(monkeypatch):
    """WeasyPrint is imported only to draw a letter, so the system check looks for its libraries."""
    import ctypes.util

    from backcare.checks import check_pdf_libraries

    assert check_pdf_libraries(None) == []
    real = ctypes.util.find_library
    monkeypatch.setattr(
        ctypes.util, "find_library", lambda name: None if name == "pango-1.0" else real(name)
    )
    (error,) = check_pdf_libraries(None)
    assert error.id == "backcare.E002"
    assert "pango-1.0" in error.msg
    assert "make pdf-libs" in error.hint


def test_drawing_a_letter_leaves_truncated_photos_refused(settings):
    """WeasyPrint's import sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process; the task worker
    that drew a letter must still refuse a photo cut off half-way."""
    from PIL import Image, ImageFile

    from intake.imaging import Outcome, process_file, reasons

    letters.letter_pdf(signed_review(conclusion="conservative", findings=EVERY_FINDING))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "red").save(buffer, "JPEG")
    cut = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    result = process_file(io.BytesIO(cut))
    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.NOT_READABLE_PHOTO
