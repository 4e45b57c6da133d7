"""Staff triage of review requests: workflow moves, assignment, notes, the access log, CSV export
and links that let a patient add files. The admin calls these; each write is one function."""

import csv
import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from intake.enums import ReviewStatus, SafetyTier
from intake.models import (
    REQUEST_FIELD_GROUPS,
    AccessAction,
    AccessLog,
    Note,
    ReviewRequest,
    StatusChange,
    SurgeonReview,
    Upload,
    UploadLink,
)
from intake.request.red_flags import raised_flags
from intake.request.services import hash_token
from intake.triage import workflow


class TransitionNotAllowed(PermissionDenied):
    """The move is not in the workflow, or not this user's to make."""


# --- Access log -----------------------------------------------------------------------------------


def client_address(request: HttpRequest) -> str | None:
    # Behind the reverse proxy, backcare.middleware.ProxiedClientAddress has put the client's address
    # (from the proxy's own X-Forwarded-For) here; nothing else trusts a client's header.
    return request.META.get("REMOTE_ADDR") or None


def log_access(
    *,
    request: HttpRequest,
    action: AccessAction,
    review_request: ReviewRequest | None = None,
    upload: Upload | None = None,
    detail: str = "",
) -> AccessLog:
    if upload is not None and review_request is None:
        review_request = upload.request
    return AccessLog.objects.create(
        user=request.user,
        client_address=client_address(request),
        action=action,
        request_id=review_request.pk if review_request else None,
        reference=review_request.reference if review_request else "",
        upload_id=upload.pk if upload else None,
        detail=detail[:200],
    )


# --- Workflow, assignment, notes ------------------------------------------------------------------


def change_status(
    *,
    review_request: ReviewRequest,
    to_status: str,
    user,
    review: SurgeonReview | None = None,
) -> StatusChange:
    """Move a request along the workflow if the move exists and is this user's to make; recorded.

    A "reviewed" status is reached only with the signed `review` whose conclusion names it
    (intake.triage.review.sign_review passes it).
    """
    signing = review is not None
    with transaction.atomic():
        locked = ReviewRequest.objects.select_for_update().get(pk=review_request.pk)
        allowed = workflow.allowed_targets(locked.status, user, signing=signing)
        if to_status not in allowed or (signing and review.outcome_status != to_status):
            raise TransitionNotAllowed(
                f"{locked.reference} cannot move from “{locked.get_status_display()}” to "
                f"“{ReviewStatus(to_status).label}”."
            )
        change = StatusChange.objects.create(
            request=locked, from_status=locked.status, to_status=to_status, changed_by=user
        )
        locked.status = to_status
        locked.save(update_fields=["status"])
    review_request.status = to_status
    return change


def assign(*, review_request: ReviewRequest, assignee) -> None:
    if not assignee.has_perm("intake.view_reviewrequest"):
        raise PermissionDenied("Requests can be assigned only to staff who can see them.")
    ReviewRequest.objects.filter(pk=review_request.pk).update(assignee=assignee)
    review_request.assignee = assignee


def add_note(*, review_request: ReviewRequest, author, text: str) -> Note:
    text = text.strip()
    if not text:
        raise ValueError("A note needs some text.")
    return Note.objects.create(request=review_request, author=author, text=text)


def home_counts(user) -> dict[str, int] | None:
    """The admin home's numbers, in one query over the open requests only (an index-only scan of
    intake_rr_open_queue_idx: its cost follows the open requests, not the closed history); None
    for staff who cannot see requests."""
    if not user.has_perm("intake.view_reviewrequest"):
        return None
    # COUNT(tier) (never null), not COUNT(id): every column read is in that index, so no table row
    # is visited. (Django refuses COUNT(*) with a filter.)
    return ReviewRequest.objects.open().aggregate(
        new=Count("tier", filter=Q(status=ReviewStatus.NEW)),
        emergency=Count("tier", filter=Q(tier=SafetyTier.EMERGENCY)),
        soon=Count("tier", filter=Q(tier=SafetyTier.SEE_DOCTOR_SOON)),
        overdue=Count("tier", filter=Q(due_by__lt=timezone.now())),
        mine=Count("tier", filter=Q(assignee=user)),
    )


# --- CSV export -----------------------------------------------------------------------------------

# What the patient wrote in their own words: exported only with the export_clinical_text permission.
CLINICAL_TEXT_FIELDS = ("pain_onset_details", "spine_surgery_when", "mri_facility")
# Never exported: the birth date (data minimisation: name and contact are enough to call back).
NOT_EXPORTED = ("date_of_birth",)
EXPORT_FIELDS = (
    "reference",
    "submitted_at",
    "status",
    "tier",
    "due_by",
    *(
        name
        for group in REQUEST_FIELD_GROUPS
        if group.exported
        for name in group.fields
        if name not in CLINICAL_TEXT_FIELDS + NOT_EXPORTED
    ),
)
CLINICAL_TEXT_PERMISSION = "intake.export_clinical_text"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _cell(review_request: ReviewRequest, name: str):
    if name == "tier":
        return review_request.get_tier_display()
    value = getattr(review_request, name)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return "; ".join(value)
    return value


# The surgeon's review in force, exported with the patients' own words (the same permission).
REVIEW_COLUMNS = (
    "review_version",
    "review_conclusion",
    "review_findings",
    "review_reasons",
    "review_signed_by",
    "review_signed_at",
)


def _review_cells(review_request: ReviewRequest) -> list:
    # Prefetched in version order: the last is the version in force.
    versions = review_request.surgeon_reviews.all()
    if not versions:
        return [""] * len(REVIEW_COLUMNS)
    review = versions[len(versions) - 1]
    signed_at = timezone.localtime(review.signed_at).strftime("%Y-%m-%d %H:%M")
    return [
        review.version,
        review.get_conclusion_display(),
        review.findings_text,
        review.reasons,
        review.signer_name,
        signed_at,
    ]


def export_csv(*, request: HttpRequest, queryset: Iterable[ReviewRequest]) -> HttpResponse:
    """The selected requests as CSV, one access record per request exported."""
    with_text = request.user.has_perm(CLINICAL_TEXT_PERMISSION)
    fields = EXPORT_FIELDS + (CLINICAL_TEXT_FIELDS if with_text else ())
    rows = queryset.select_related("assignee").annotate(n_files=Count("uploads"))
    if with_text:
        rows = rows.prefetch_related(
            Prefetch("surgeon_reviews", queryset=SurgeonReview.objects.order_by("version"))
        )
    rows = list(rows)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="review-requests-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store, private"
    writer = csv.writer(response)
    writer.writerow(
        [*fields, "red_flags", "assignee", "files", *(REVIEW_COLUMNS if with_text else ())]
    )
    for row in rows:
        cells = [_cell(row, name) for name in fields]
        cells += ["; ".join(raised_flags(row)), row.assignee or "", row.n_files]
        if with_text:
            cells += _review_cells(row)
        writer.writerow([csv_safe(cell) for cell in cells])
    address = client_address(request)
    detail = "with patients' own words" if with_text else "without patients' own words"
    AccessLog.objects.bulk_create(
        AccessLog(
            user=request.user,
            client_address=address,
            action=AccessAction.EXPORT,
            request_id=row.pk,
            reference=row.reference,
            detail=detail,
        )
        for row in rows
    )
    return response


# --- Asking the patient for more files ------------------------------------------------------------


def send_upload_link(*, review_request: ReviewRequest, user) -> UploadLink:
    """Make a single-use, expiring link and e-mail it to the patient (first name and link only).

    Only the token's hash is stored; the e-mail is sent from this process once the transaction
    commits, so the token never sits in the task queue's table.
    """
    token = secrets.token_urlsafe(32)
    link = UploadLink.objects.create(
        request=review_request,
        token_hash=hash_token(token),
        created_by=user,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INTAKE_UPLOAD_LINK_DAYS),
    )
    # In the patient's language: the words, and the link (/es/… opens the Spanish page).
    with translation.override(review_request.language):
        url = settings.SITE_URL.rstrip("/") + reverse("intake:more_files", args=[token])
        context = {
            "first_name": review_request.first_name,
            "url": url,
            "days": settings.INTAKE_UPLOAD_LINK_DAYS,
        }
        subject = render_to_string("emails/more_files_subject.txt", context).strip()
        body = render_to_string("emails/more_files.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[review_request.email])
    transaction.on_commit(message.send)
    return link
