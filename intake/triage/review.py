"""The surgeon's review: the form a surgeon fills in, signing it (which moves the request to
"reviewed"), and sending the patient the letter made from it (intake.request.letters)."""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from intake.enums import Finding, ReviewConclusion, SpineLevel
from intake.models import (
    AccessAction,
    AccessLog,
    ReviewLetter,
    ReviewNotAllowed,
    ReviewRequest,
    SurgeonReview,
)
from intake.request.tasks import email_review_ready
from intake.triage import services as triage
from intake.triage import workflow

SIGN_PERMISSION = "intake.sign_review"
SEND_PERMISSION = "intake.send_review_letter"

# --- The form -------------------------------------------------------------------------------------


class FindingForm(forms.Form):
    level = forms.ChoiceField(choices=[("", "—"), *SpineLevel.choices], required=False)
    finding = forms.ChoiceField(choices=[("", "—"), *Finding.choices], required=False)
    detail = forms.CharField(max_length=200, required=False)

    def clean(self) -> dict:
        data = super().clean()
        level, finding = data.get("level"), data.get("finding")
        if bool(level) != bool(finding):
            raise forms.ValidationError("Choose both a level and a finding.", code="incomplete")
        if finding == Finding.OTHER and not data.get("detail", "").strip():
            self.add_error("detail", forms.ValidationError("Say what “other” is.", code="other"))
        return data

    @property
    def row(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("level"):
            return None
        return {
            "level": data["level"],
            "finding": data["finding"],
            "detail": data["detail"].strip(),
        }


class BaseFindingFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        pairs = [(row["level"], row["finding"]) for row in self.rows]
        if len(pairs) != len(set(pairs)):
            raise forms.ValidationError("Each finding is listed once per level.", code="duplicate")

    @property
    def rows(self) -> list[dict]:
        return [row for form in self.forms if (row := form.row) is not None]


FindingFormSet = forms.formset_factory(
    FindingForm, formset=BaseFindingFormSet, extra=4, max_num=40, validate_max=True
)


class SurgeonReviewForm(forms.Form):
    conclusion = forms.ChoiceField(choices=ReviewConclusion.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(
        label="Reasons, in plain words for the patient",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Printed in the patient's letter as you write it: short sentences, everyday "
        "words (aim for US grade 8 or below).",
    )
    correction_note = forms.CharField(
        label="What this version corrects",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Staff only. Needed when a review was signed before.",
    )


def initial_from(review: SurgeonReview | None) -> tuple[dict, list[dict]]:
    """A correction starts from the version in force."""
    if review is None:
        return {}, []
    return {"conclusion": review.conclusion, "reasons": review.reasons}, review.ordered_findings


# --- Signing --------------------------------------------------------------------------------------


def sign_review(
    *,
    review_request: ReviewRequest,
    user,
    findings: list[dict],
    conclusion: str,
    reasons: str,
    correction_note: str = "",
) -> SurgeonReview:
    """Sign a surgeon's review of `review_request` as `user`: the first one, or a correction.

    The first review moves the request from "in review" to the "reviewed" status its conclusion names
    (recorded like every move); a correction is a new version, the old one stays as it was signed,
    and a request still "reviewed" follows the new conclusion.
    """
    if not user.has_perm(SIGN_PERMISSION):
        raise PermissionDenied("Only a reviewing surgeon can sign a review.")
    signer_name = user.get_full_name().strip()
    if not signer_name:
        raise ReviewNotAllowed("Add your first and last name to your account before signing.")
    with transaction.atomic():
        locked = ReviewRequest.objects.select_for_update().get(pk=review_request.pk)
        previous = SurgeonReview.objects.latest_of(locked)
        _check_can_sign(locked, previous, correction_note)
        review = SurgeonReview.objects.create(
            request=locked,
            version=previous.version + 1 if previous else 1,
            findings=findings,
            conclusion=conclusion,
            reasons=reasons.strip(),
            correction_note=correction_note.strip() if previous else "",
            signed_by=user,
            signer_name=signer_name,
        )
        target = review.outcome_status
        if locked.status != target and (
            previous is None or locked.status in workflow.OUTCOME_STATUSES
        ):
            triage.change_status(review_request=locked, to_status=target, user=user, review=review)
    review_request.refresh_from_db(fields=["status"])
    return review


def _check_can_sign(review_request: ReviewRequest, previous, correction_note: str) -> None:
    if previous is None and review_request.status != workflow.S.IN_REVIEW:
        raise ReviewNotAllowed(
            f"{review_request.reference} is “{review_request.get_status_display()}”: a first review "
            "is signed while the request is “In review”."
        )
    if previous is not None and not correction_note.strip():
        raise ReviewNotAllowed("Say what this version corrects.")


# --- The letter -----------------------------------------------------------------------------------


def preview_detail(review: SurgeonReview) -> str:
    """How the access log names the letter of one review version (a send looks for it)."""
    return f"letter of review {review.pk} (version {review.version})"


def record_preview(*, request, review: SurgeonReview) -> None:
    triage.log_access(
        request=request,
        action=AccessAction.LETTER_PREVIEW,
        review_request=review.request,
        detail=preview_detail(review),
    )


def send_review_letter(*, review: SurgeonReview, user) -> ReviewLetter:
    """Send the patient the letter of `review` (the version in force), once this user has seen it.

    The e-mail (first name, reference, link) goes from the task worker after the commit; the link
    works for INTAKE_LETTER_LINK_DAYS, and a later letter replaces this one.
    """
    if not user.has_perm(SEND_PERMISSION):
        raise PermissionDenied("You cannot send review letters.")
    if SurgeonReview.objects.latest_of(review.request) != review:
        raise ReviewNotAllowed("A newer version of this review was signed: send that one.")
    seen = AccessLog.objects.filter(
        user=user,
        action=AccessAction.LETTER_PREVIEW,
        request_id=review.request_id,
        detail=preview_detail(review),
    ).exists()
    if not seen:
        raise ReviewNotAllowed("Open the letter's preview first: it is sent as you see it.")
    letter = ReviewLetter.objects.create(
        review=review,
        sent_by=user,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INTAKE_LETTER_LINK_DAYS),
    )
    transaction.on_commit(lambda: email_review_ready.enqueue(letter.pk))
    return letter
