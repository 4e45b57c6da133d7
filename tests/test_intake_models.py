"""The intake models: references, the triage queue, and the database's own rules."""

import re

import pytest
from django.db import IntegrityError, transaction

from intake.enums import ReviewStatus
from intake.models import REFERENCE_PATTERN, ReviewRequest, new_reference
from tests.factories import ReviewRequestFactory, UploadFactory

pytestmark = pytest.mark.django_db


def test_references_are_short_unambiguous_and_unique():
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    for reference in references:
        assert re.fullmatch(REFERENCE_PATTERN, reference)
        assert not set(reference[3:].replace("-", "")) & set("01OILU")


def test_queue_puts_urgent_requests_first_then_oldest():
    old = ReviewRequestFactory()
    urgent_new = ReviewRequestFactory(urgent=True, trauma=True)
    newest = ReviewRequestFactory()
    ReviewRequestFactory(status=ReviewStatus.CLOSED, urgent=True)
    assert list(ReviewRequest.objects.awaiting_triage()) == [urgent_new, old, newest]


def test_a_red_flag_without_urgency_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRequestFactory(saddle_numbness=True, urgent=False)


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
