"""Where a request is, in the few steps a patient understands, for the "Where is my request?" page.

Staff's workflow (intake.enums.ReviewStatus, moved by intake.triage.workflow) has more statuses than
a patient needs, and some of them say what the surgeon concluded: "reviewed: candidate" and "not a
candidate" must read the same here, so the page never gives a result before the letter does.

What the page may show is only what is built here: the step, the names of files we could not read
(as the patient's own cleaned file names), and dates and expiry of what we e-mailed. No answers, no
health details, no name.
"""

import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from intake.enums import AccessAction, AccessOutcome, ImagingPlan, ReviewStatus, UploadStatus
from intake.models import (
    REFERENCE_PATTERN,
    AccessLog,
    ReviewLetter,
    ReviewRequest,
    Upload,
    UploadLink,
)


class Stage(models.TextChoices):
    RECEIVED = "received", _("We have your request")
    CHECKING_FILES = "checking_files", _("We are checking your files")
    WITH_TEAM = "with_team", _("Our spine team is looking at your request")
    WAITING_FOR_YOU = "waiting_for_you", _("We are waiting for you")
    REVIEW_READY = "review_ready", _("Your review is ready")
    CLOSED = "closed", _("Your request is closed")


# Every workflow status, and the step a patient sees for it. Two refinements follow from the rows
# (`stage_of`): a new request whose files are still being read is "checking files", and a reviewed
# request is "ready" only once its letter went out (until then the team is still at work).
STAGE_OF_STATUS: dict[str, Stage] = {
    ReviewStatus.NEW: Stage.RECEIVED,
    ReviewStatus.IN_REVIEW: Stage.WITH_TEAM,
    ReviewStatus.WAITING_FOR_PATIENT: Stage.WAITING_FOR_YOU,
    ReviewStatus.REVIEWED_CANDIDATE: Stage.REVIEW_READY,
    ReviewStatus.REVIEWED_NOT_CANDIDATE: Stage.REVIEW_READY,
    ReviewStatus.PATIENT_CONTACTED: Stage.REVIEW_READY,
    ReviewStatus.CLOSED: Stage.CLOSED,
    # A real patient marked spam by mistake sees "closed" and is told to call; a robot learns nothing.
    ReviewStatus.SPAM: Stage.CLOSED,
}

# The steps on the way, in order, for the list at the top of the page.
PATH = (Stage.RECEIVED, Stage.CHECKING_FILES, Stage.WITH_TEAM, Stage.REVIEW_READY)

# While the request is open, files we could not read are listed, so the patient can act on them.
SHOWS_UNREADABLE = (
    Stage.RECEIVED,
    Stage.CHECKING_FILES,
    Stage.WITH_TEAM,
    Stage.WAITING_FOR_YOU,
)


@dataclass(frozen=True)
class LinkSent:
    """An e-mail we sent with a link: when, and until when the link works."""

    sent_on: datetime.date
    works_until: datetime.datetime
    still_works: bool


@dataclass(frozen=True)
class PatientStatus:
    stage: Stage
    has_files: bool = False
    unreadable_files: tuple[str, ...] = ()
    files_in_check: int = 0
    more_files_link: LinkSent | None = None  # staff asked for files (waiting for you)
    waiting_for_mail: bool = False  # the patient said they would mail a CD or films
    letter: LinkSent | None = None  # review ready

    @property
    def steps(self) -> list[tuple[Stage, str]]:
        """Each step on the way with "done", "now" or "next"; none once closed (a closed request
        may never have been reviewed, so its steps would say something untrue)."""
        if self.stage == Stage.CLOSED:
            return []
        # No files sent (a CD in the post, or none yet): no step for reading them.
        path = [step for step in PATH if self.has_files or step != Stage.CHECKING_FILES]
        here = Stage.WITH_TEAM if self.stage == Stage.WAITING_FOR_YOU else self.stage
        position = path.index(here)
        return [
            (step, "done" if n < position else "now" if n == position else "next")
            for n, step in enumerate(path)
        ]


def _latest_letter(review_request: ReviewRequest) -> LinkSent | None:
    letter = ReviewLetter.objects.filter(review__request=review_request).order_by("-pk").first()
    if letter is None:
        return None
    return LinkSent(letter.sent_at.date(), letter.expires_at, not letter.is_expired)


def _more_files_link(review_request: ReviewRequest) -> LinkSent | None:
    # The newest link staff sent; its token exists only in the patient's e-mail (docs/security.md).
    # Once used, it asked for files that came: what is awaited now, staff will say.
    link = UploadLink.objects.filter(request=review_request).order_by("-created_at").first()
    if link is None or link.used_at is not None:
        return None
    usable = UploadLink.objects.usable().filter(pk=link.pk).exists()
    return LinkSent(link.created_at.date(), link.expires_at, usable)


def stage_of(review_request: ReviewRequest, *, files_in_check: int, letter_sent: bool) -> Stage:
    stage = STAGE_OF_STATUS[review_request.status]
    if stage == Stage.RECEIVED and files_in_check:
        return Stage.CHECKING_FILES
    if (
        review_request.status
        in (
            ReviewStatus.REVIEWED_CANDIDATE,
            ReviewStatus.REVIEWED_NOT_CANDIDATE,
        )
        and not letter_sent
    ):
        return Stage.WITH_TEAM
    return stage


def patient_status(review_request: ReviewRequest) -> PatientStatus:
    """Where `review_request` is, as the status page tells its patient."""
    uploads = Upload.objects.filter(request=review_request)
    files_in_check = uploads.filter(status=UploadStatus.PENDING).count()
    letter = _latest_letter(review_request)
    stage = stage_of(review_request, files_in_check=files_in_check, letter_sent=letter is not None)
    unreadable: tuple[str, ...] = ()
    if stage in SHOWS_UNREADABLE:
        unreadable = tuple(
            uploads.filter(status=UploadStatus.FAILED)
            .order_by("pk")
            .values_list("original_name", flat=True)
        )
    link = _more_files_link(review_request) if stage == Stage.WAITING_FOR_YOU else None
    return PatientStatus(
        stage=stage,
        has_files=uploads.exists(),
        unreadable_files=unreadable,
        files_in_check=files_in_check,
        more_files_link=link,
        waiting_for_mail=(
            stage == Stage.WAITING_FOR_YOU
            and link is None
            and review_request.imaging_plan == ImagingPlan.SEND_CD
            and not uploads.exists()
        ),
        letter=letter if stage == Stage.REVIEW_READY else None,
    )


# --- The look-up, in the access log ---------------------------------------------------------------


def log_lookup(
    request: HttpRequest,
    outcome: AccessOutcome,
    *,
    typed_reference: str = "",
    named: ReviewRequest | None = None,
    detail: str = "",
) -> None:
    """One access record for a look-up: who asked (address), for which reference, how it ended."""
    AccessLog.objects.create(
        user=None,  # the patient, or whoever holds the reference
        client_address=request.META.get("REMOTE_ADDR") or None,
        action=AccessAction.STATUS,
        outcome=outcome,
        request_id=named.pk if named else None,
        # What was typed is kept only if it has the shape of a reference.
        reference=typed_reference if re.fullmatch(REFERENCE_PATTERN, typed_reference) else "",
        detail=detail,
    )
