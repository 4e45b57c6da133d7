"""Shared set-up for the surgeon's-review tests: a named surgeon, and a review signed the real way."""

from django.contrib.auth.models import User

from intake.enums import Finding, ReviewConclusion, ReviewStatus
from intake.models import ReviewRequest, SurgeonReview
from intake.triage.review import sign_review
from tests.factories import ReviewRequestFactory
from tests.triage_support import COORDINATOR, SURGEON, staff_user

FINDINGS = [
    {"level": "L5-S1", "finding": Finding.FACET_ARTHROPATHY, "detail": ""},
    {"level": "L4-L5", "finding": Finding.DISC_HERNIATION, "detail": "left paracentral"},
    {"level": "L4-L5", "finding": Finding.STENOSIS_FORAMINAL, "detail": ""},
]
# Plain words, as a surgeon is asked to write them.
REASONS = (
    "The disc low in your back is pressing on a nerve. This fits the pain in your leg. "
    "Rest and therapy have not helped you enough."
)


def surgeon(username: str = "surgeon@example.org") -> User:
    """The surgeon of that name, made the first time."""
    found = User.objects.filter(username=username).first()
    return found or staff_user(username, role=SURGEON, first_name="Rana", last_name="Okafor")


def coordinator(username: str = "coordinator@example.org") -> User:
    found = User.objects.filter(username=username).first()
    return found or staff_user(username, role=COORDINATOR, first_name="Dana", last_name="Lee")


def signed_review(
    review_request: ReviewRequest | None = None,
    *,
    by: User | None = None,
    conclusion: str = ReviewConclusion.CANDIDATE,
    findings: list[dict] | None = None,
    reasons: str = REASONS,
    **extra,
) -> SurgeonReview:
    if review_request is None:
        review_request = ReviewRequestFactory(status=ReviewStatus.IN_REVIEW)
    return sign_review(
        review_request=review_request,
        user=by or surgeon(),
        findings=FINDINGS if findings is None else findings,
        conclusion=conclusion,
        reasons=reasons,
        **extra,
    )
