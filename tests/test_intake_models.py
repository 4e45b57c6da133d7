"""The intake models: references, the triage queue, and the database's own rules."""

import re

import pytest
from django.db import IntegrityError, transaction

from intake.enums import ReviewStatus, SafetyTier
from intake.models import REFERENCE_PATTERN, ReviewRequest, new_reference
from tests.factories import ReviewRequestFactory, UploadFactory

pytestmark = pytest.mark.django_db


def test_references_are_short_unambiguous_and_unique():
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    for reference in references:
        assert re.fullmatch(REFERENCE_PATTERN, reference)
        assert not set(reference[3:].replace("-", "")) & set("01OILU")


def test_queue_puts_emergency_then_see_a_doctor_soon_then_routine_oldest_first():
    old = ReviewRequestFactory()
    soon = ReviewRequestFactory(weight_loss=True)
    urgent_new = ReviewRequestFactory(trauma=True)
    newest = ReviewRequestFactory(morning_stiffness=True)  # a note for their doctor, not urgent
    ReviewRequestFactory(status=ReviewStatus.CLOSED, trauma=True)
    assert list(ReviewRequest.objects.awaiting_triage()) == [urgent_new, soon, old, newest]
    assert [r.tier for r in (urgent_new, soon, old, newest)] == [1, 2, 3, 3]


@pytest.mark.parametrize(
    ("answers", "wrong_tier"),
    [
        ({"saddle_numbness": True}, SafetyTier.ROUTINE),
        ({"saddle_numbness": True}, SafetyTier.SEE_DOCTOR_SOON),
        ({"cancer_history": True}, SafetyTier.EMERGENCY),
        ({"cancer_history": True}, SafetyTier.ROUTINE),
        ({}, SafetyTier.SEE_DOCTOR_SOON),
        ({"morning_stiffness": True}, SafetyTier.SEE_DOCTOR_SOON),
    ],
)
def test_a_tier_that_disagrees_with_the_answers_is_refused_by_the_database(answers, wrong_tier):
    review_request = ReviewRequestFactory(**answers)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRequest.objects.filter(pk=review_request.pk).update(tier=wrong_tier)


def test_a_request_without_every_consent_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRequestFactory(consent_contact=False)


def test_pain_scores_above_ten_are_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRequestFactory(leg_pain_score=11)


def test_an_empty_upload_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        UploadFactory(size=0)


@pytest.mark.every_storage
def test_upload_files_get_random_private_names(private_storage):
    upload = UploadFactory(original_name="John Smith MRI.png")
    assert upload.file.name.startswith("uploads/")
    assert "John" not in upload.file.name
    private_storage.assert_private(upload.file.name)
