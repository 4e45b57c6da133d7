"""Choices used by the intake models, form and admin, defined once."""

import itertools

from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.imaging import kinds as imaging_kinds
from intake.imaging import results as imaging_results


class ReviewStatus(models.TextChoices):
    """The triage workflow: new → in review → waiting for patient → reviewed → contacted → closed."""

    NEW = "new", "New"
    IN_REVIEW = "in_review", "In review"
    WAITING_FOR_PATIENT = "waiting_for_patient", "Waiting for patient"
    REVIEWED_CANDIDATE = "reviewed_candidate", "Reviewed: candidate"
    REVIEWED_NOT_CANDIDATE = "reviewed_not_candidate", "Reviewed: not a candidate"
    PATIENT_CONTACTED = "patient_contacted", "Patient contacted"
    CLOSED = "closed", "Closed"
    SPAM = "spam", "Spam"


# Statuses in which the clinic still owes the patient an answer.
OPEN_STATUSES = (
    ReviewStatus.NEW,
    ReviewStatus.IN_REVIEW,
    ReviewStatus.WAITING_FOR_PATIENT,
    ReviewStatus.REVIEWED_CANDIDATE,
    ReviewStatus.REVIEWED_NOT_CANDIDATE,
)


class UploadStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be processed"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Could not be processed"


class Language(models.TextChoices):
    """The language a patient used (and is written to in): the site's languages, named for staff."""

    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"


# Choices patients read on the form are translated (gettext_lazy: resolved on each page).
class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail")
    TEXT = "text", _("Text message")


class BestTime(models.TextChoices):
    MORNING = "morning", _("Morning (8 am to 12 noon)")
    AFTERNOON = "afternoon", _("Afternoon (12 noon to 5 pm)")
    EVENING = "evening", _("Early evening (5 pm to 7 pm)")
    ANY = "any", _("Any time")


class PainLocation(models.TextChoices):
    LOWER_BACK = "lower_back", _("Lower back")
    BUTTOCK = "buttock", _("Buttock")
    ONE_LEG = "one_leg", _("One leg")
    BOTH_LEGS = "both_legs", _("Both legs")
    NECK = "neck", _("Neck")
    ARM = "arm", _("Arm")


class PainDuration(models.TextChoices):
    UNDER_6_WEEKS = "under_6_weeks", _("Less than 6 weeks")
    WEEKS_6_12 = "6_12_weeks", _("6 to 12 weeks")
    MONTHS_3_12 = "3_12_months", _("3 to 12 months")
    OVER_A_YEAR = "over_a_year", _("More than a year")


class PainOnset(models.TextChoices):
    SLOWLY = "slowly", _("Slowly, for no clear reason")
    SUDDENLY = "suddenly", _("Suddenly, for example when you lift or bend")
    INJURY = "injury", _("After a fall, accident or sports injury")
    AFTER_SURGERY = "after_surgery", _("After an operation")
    NOT_SURE = "not_sure", _("I am not sure")


class ImagingPlan(models.TextChoices):
    UPLOAD = "upload", _("I am adding my MRI files to this form")
    SEND_CD = "send_cd", _("I will send a CD or films to the clinic")
    NOT_YET = "not_yet", _("I do not have my MRI files yet")


class ScanArea(models.TextChoices):
    LOWER_BACK = "lower_back", _("Lower back (lumbar spine)")
    MID_BACK = "mid_back", _("Middle of the back (thoracic spine)")
    NECK = "neck", _("Neck (cervical spine)")
    OTHER = "other", _("Another part of the body")
    NOT_SURE = "not_sure", _("I am not sure")


class YesNoUnsure(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_SURE = "not_sure", _("I am not sure")


class InsurancePlanType(models.TextChoices):
    PPO = "ppo", "PPO"
    HMO = "hmo", "HMO"
    EPO_POS = "epo_pos", _("EPO or POS")
    MEDICARE = "medicare", "Medicare"
    MEDICAID = "medicaid", "Medicaid"
    WORKERS_COMP = "workers_comp", _("Workers' compensation")
    OTHER = "other", _("Other")
    NONE = "none", _("I do not have insurance")
    NOT_SURE = "not_sure", _("I am not sure")


class StagedUploadStatus(models.TextChoices):
    RECEIVING = "receiving", "Receiving"
    COMPLETE = "complete", "Complete"
    SKIPPED = "skipped", "Skipped (CD clutter)"


class SentEmailKind(models.TextChoices):
    PATIENT_CONFIRMATION = "patient_confirmation", "Confirmation to the patient"
    INBOX_NOTICE = "inbox_notice", "Notice to the intake inbox"


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed the request"
    DOWNLOAD = "download", "Downloaded a file"
    PREVIEW = "preview", "Opened a preview"
    VIEWER = "viewer", "Opened the image viewer"
    EXPORT = "export", "Exported in a CSV file"
    RETENTION_FILES = "retention_files", "Files removed by retention"
    RETENTION_REQUEST = "retention_request", "Request removed by retention"
    LETTER_PREVIEW = "letter_preview", "Opened the review letter"
    LETTER = "letter", "Patient fetched the review letter"
    STATUS = "status", "Patient looked up the request's status"
    PACS_SEND = "pacs_send", "Sent to the PACS"


class AccessOutcome(models.TextChoices):
    """How a patient's look-up by reference and date of birth ended (intake.request.status)."""

    SHOWN = "shown", "Shown"
    NO_MATCH = "no_match", "Wrong reference or date of birth"
    LIMITED = "limited", "Refused: too many tries"


class PacsSendStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the task worker"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    PARTLY_SENT = "partly_sent", "Partly sent: some images failed"
    FAILED = "failed", "Not sent"


class PacsInstanceStatus(models.TextChoices):
    PENDING = "pending", "Not sent yet"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class SafetyTier(models.IntegerChoices):
    """Where a patient's answers send them; the number is the queue order (most urgent first)."""

    EMERGENCY = 1, "Emergency now"
    SEE_DOCTOR_SOON = 2, "See a doctor today or tomorrow"
    ROUTINE = 3, "Routine"


# The triage checks' codes are the imaging library's (it imports nothing of ours); the models'
# choices are built from them here, with the same values and labels.
CheckCode = models.TextChoices(
    "CheckCode", [(code.name, (code.value, code.label)) for code in imaging_results.CheckCode]
)

# The accepted kinds and their signatures are the imaging library's too.
FileKind = models.TextChoices(
    "FileKind", [(kind.name, (kind.value, kind.label)) for kind in imaging_kinds.FileKind]
)


# --- The surgeon's review -------------------------------------------------------------------------

# The spine's bones from the neck down; a level is the disc space between two neighbours.
VERTEBRAE = (
    *(f"C{n}" for n in range(2, 8)),
    *(f"T{n}" for n in range(1, 13)),
    *(f"L{n}" for n in range(1, 6)),
    "S1",
)

SpineLevel = models.TextChoices(
    "SpineLevel",
    [
        (f"{upper}_{lower}", (f"{upper}-{lower}", f"{upper}-{lower}"))
        for upper, lower in itertools.pairwise(VERTEBRAE)
    ],
)


class Finding(models.TextChoices):
    DISC_BULGE = "disc_bulge", "Disc bulge"
    DISC_HERNIATION = "disc_herniation", "Disc herniation"
    STENOSIS_CENTRAL = "stenosis_central", "Stenosis: central"
    STENOSIS_FORAMINAL = "stenosis_foraminal", "Stenosis: foraminal"
    SPONDYLOLISTHESIS = "spondylolisthesis", "Spondylolisthesis"
    FACET_ARTHROPATHY = "facet_arthropathy", "Facet arthropathy"
    FRACTURE = "fracture", "Fracture"
    OTHER = "other", "Other (describe)"


class ReviewConclusion(models.TextChoices):
    CANDIDATE = "candidate", "May be a candidate for minimally invasive surgery"
    CONSERVATIVE = "conservative", "Conservative care first"
    NEW_IMAGING = "new_imaging", "Needs newer or different imaging"
    REFER = "refer", "Refer elsewhere"
