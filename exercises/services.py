"""Recording a clinical review: the one way a review comes to exist."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from exercises.models import ContentReview, Exercise, Routine

RECORD_REVIEW_PERMISSION = "exercises.record_review"


def can_record_review(user) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(RECORD_REVIEW_PERMISSION))


@transaction.atomic
def record_review(
    *,
    item: Exercise | Routine,
    reviewer,
    credentials: str,
    version_read: str,
    language: str = "en",
) -> ContentReview:
    """Record that `reviewer` checked the version of `item` they read, today, in `language`.

    The English and the Spanish text are reviewed apart: a translation is new content.

    The name is the reviewer's own account name and the date is the server's: neither can be typed.
    If the text changed after the reviewer opened it, nothing is recorded: they must read it again.
    """
    if not can_record_review(reviewer):
        raise PermissionDenied("Only clinical reviewers can record a review.")
    name = reviewer.get_full_name().strip()
    if not name:
        raise ValidationError(
            "Add your first and last name to your staff account first: the page shows it.",
            code="no_name",
        )
    credentials = credentials.strip()
    if not credentials:
        raise ValidationError("Enter your credentials, e.g. PT, DPT.", code="no_credentials")
    # Lock the item so an edit cannot slip in between reading its version and recording it.
    item = type(item).objects.select_for_update().get(pk=item.pk)
    version = item.content_version(language)
    if version != version_read:
        raise ValidationError(
            "This content changed after you opened it. Read it again, then record your review.",
            code="changed",
        )
    field = "exercise" if isinstance(item, Exercise) else "routine"
    return ContentReview.objects.create(
        **{field: item},
        reviewer=reviewer,
        reviewer_name=name,
        credentials=credentials,
        reviewed_on=timezone.localdate(),
        content_version=version,
        language=language,
    )
