"""The triage workflow, defined once: which status may follow which, who may make each move, and when
a request is due. The admin, the services and the tests all read it from here."""

from intake.enums import ReviewStatus
from intake.rules import due_by  # noqa: F401 - the patient's promise, defined with the rules

S = ReviewStatus

# From each status, the statuses staff may move a request to. Anything not listed is refused.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.IN_REVIEW, S.WAITING_FOR_PATIENT, S.SPAM),
    S.IN_REVIEW: (S.WAITING_FOR_PATIENT, S.REVIEWED_CANDIDATE, S.REVIEWED_NOT_CANDIDATE, S.SPAM),
    S.WAITING_FOR_PATIENT: (S.IN_REVIEW, S.CLOSED),
    # Between the two outcomes only by a corrected review.
    S.REVIEWED_CANDIDATE: (S.REVIEWED_NOT_CANDIDATE, S.PATIENT_CONTACTED),
    S.REVIEWED_NOT_CANDIDATE: (S.REVIEWED_CANDIDATE, S.PATIENT_CONTACTED),
    S.PATIENT_CONTACTED: (S.CLOSED,),
    S.CLOSED: (),
    S.SPAM: (S.NEW,),  # marked spam by mistake
}

# The review outcome is reached only by a surgeon signing a review (intake.triage.review.sign_review),
# whose conclusion names the status; every other move is the coordinator's, from the buttons.
OUTCOME_STATUSES = (S.REVIEWED_CANDIDATE, S.REVIEWED_NOT_CANDIDATE)
OUTCOME_PERMISSION = "intake.sign_review"
MOVE_PERMISSION = "intake.change_reviewrequest"

# Requests whose files retention may remove once they have been in this status long enough.
FINISHED_STATUSES = (S.CLOSED, S.SPAM)


def permission_for(target: str) -> str:
    return OUTCOME_PERMISSION if target in OUTCOME_STATUSES else MOVE_PERMISSION


def allowed_targets(current: str, user, *, signing: bool = False) -> list[str]:
    """The statuses this user may move a request in `current` status to, in workflow order: the
    outcome statuses only when `signing` a review, the others only when not."""
    return [
        t
        for t in TRANSITIONS.get(current, ())
        if (t in OUTCOME_STATUSES) == signing and user.has_perm(permission_for(t))
    ]
