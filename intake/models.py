import secrets
import uuid
from pathlib import PurePosixPath

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from intake.enums import (
    OPEN_STATUSES,
    BestTime,
    ContactMethod,
    ImagingPlan,
    InsurancePlanType,
    PainDuration,
    PainLocation,
    PainOnset,
    ReviewStatus,
    ScanArea,
    UploadStatus,
    YesNoUnsure,
)
from intake.rules import RED_FLAGS, FileKind
from intake.workflow import due_by as compute_due_by

# No 0/O, 1/I/L or U: a reference read aloud over the phone or copied by hand stays unambiguous.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PATTERN = rf"^BC-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}$"

# Where uploads live inside private storage; the stray-file sweep looks only here.
UPLOADS_PREFIX = "uploads"


def new_reference() -> str:
    """A random reference like BC-7KQ4-92XD (30**8 ≈ 6.6e11 possibilities)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"BC-{chars[:4]}-{chars[4:]}"


def upload_path(instance: "Upload", filename: str) -> str:
    """A random name with no trace of the patient's file name, which is kept only as data."""
    today = timezone.now()
    return str(PurePosixPath(UPLOADS_PREFIX, f"{today:%Y/%m}", uuid.uuid4().hex))


class ReviewRequestQuerySet(models.QuerySet):
    def queue(self) -> "ReviewRequestQuerySet":
        """Urgent first, then oldest first: the order staff work in."""
        return self.order_by("-urgent", "submitted_at")

    def awaiting_triage(self) -> "ReviewRequestQuerySet":
        return self.filter(status=ReviewStatus.NEW).queue()

    def open(self) -> "ReviewRequestQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def urgent(self) -> "ReviewRequestQuerySet":
        return self.filter(urgent=True)

    def overdue(self) -> "ReviewRequestQuerySet":
        return self.open().filter(due_by__lt=timezone.now())


def _no_red_flags() -> Q:
    return Q(**{flag.field: False for flag in RED_FLAGS})


class ReviewRequest(models.Model):
    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    status = models.CharField(max_length=32, choices=ReviewStatus, default=ReviewStatus.NEW)
    urgent = models.BooleanField(
        default=False, help_text="Set when the patient answered yes to any safety question."
    )
    submitted_at = models.DateTimeField(default=timezone.now, editable=False)
    # The one-time token of the form the patient submitted: a resubmit finds this row again.
    submission_token = models.UUIDField(unique=True, editable=False)

    # About you
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField()
    phone = models.CharField(max_length=32)
    zip_code = models.CharField("ZIP code", max_length=10)
    preferred_contact = models.CharField(max_length=16, choices=ContactMethod)
    best_time_to_call = models.CharField(max_length=16, choices=BestTime)

    # Your pain
    pain_locations = ArrayField(models.CharField(max_length=16, choices=PainLocation))
    back_pain_score = models.PositiveSmallIntegerField()
    leg_pain_score = models.PositiveSmallIntegerField()
    pain_duration = models.CharField(max_length=16, choices=PainDuration)
    pain_onset = models.CharField("how the pain started", max_length=16, choices=PainOnset)
    pain_onset_details = models.TextField("more about how it started", blank=True)

    # What you have tried
    tried_physical_therapy = models.BooleanField(default=False)
    physical_therapy_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    tried_medicines = models.BooleanField(default=False)
    tried_injections = models.BooleanField(default=False)
    tried_chiropractic = models.BooleanField(default=False)
    had_spine_surgery = models.BooleanField(default=False)
    spine_surgery_when = models.CharField(max_length=100, blank=True)

    # Your MRI
    imaging_plan = models.CharField(max_length=16, choices=ImagingPlan)
    mri_date = models.DateField("date of the MRI scan", null=True, blank=True)
    mri_facility = models.CharField("where the MRI was done", max_length=200, blank=True)
    mri_body_area = models.CharField(max_length=16, choices=ScanArea, blank=True)
    has_radiology_report = models.CharField(max_length=16, choices=YesNoUnsure, blank=True)

    # Safety questions: one boolean per intake.rules.RED_FLAGS field, same names.
    bladder_bowel = models.BooleanField()
    saddle_numbness = models.BooleanField()
    leg_weakness = models.BooleanField()
    fever_weight_cancer = models.BooleanField()
    trauma = models.BooleanField()

    # Insurance (optional)
    insurance_carrier = models.CharField(max_length=100, blank=True)
    insurance_plan_type = models.CharField(max_length=16, choices=InsurancePlanType, blank=True)

    # Consents: a request is kept only when all three were given.
    consent_privacy = models.BooleanField()
    consent_contact = models.BooleanField()
    consent_not_emergency = models.BooleanField()

    # Triage
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_review_requests",
    )
    due_by = models.DateTimeField(
        null=True, blank=True, help_text="When the patient is owed a first answer."
    )

    objects = ReviewRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "MRI review request"
        ordering = ["-urgent", "submitted_at"]
        permissions = [
            ("assign_reviewrequest", "Can assign review requests"),
            ("record_review_outcome", "Can record the review outcome"),
            ("export_clinical_text", "Can export what patients wrote in their own words"),
        ]
        indexes = [
            models.Index(fields=["-urgent", "submitted_at"], name="intake_rr_queue_idx"),
            models.Index(
                fields=["-urgent", "submitted_at"],
                name="intake_rr_new_queue_idx",
                condition=Q(status=ReviewStatus.NEW),
            ),
            models.Index(fields=["status", "submitted_at"], name="intake_rr_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference__regex=REFERENCE_PATTERN), name="intake_rr_reference_format"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="intake_rr_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(urgent=True) | _no_red_flags(), name="intake_rr_red_flag_is_urgent"
            ),
            models.CheckConstraint(
                condition=Q(back_pain_score__lte=10) & Q(leg_pain_score__lte=10),
                name="intake_rr_pain_scores_0_to_10",
            ),
            models.CheckConstraint(
                condition=Q(consent_privacy=True)
                & Q(consent_contact=True)
                & Q(consent_not_emergency=True),
                name="intake_rr_consents_given",
            ),
            models.CheckConstraint(
                condition=~Q(pain_locations=[]), name="intake_rr_pain_location_given"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs) -> None:
        if self.due_by is None:
            self.due_by = compute_due_by(self.submitted_at, urgent=self.urgent)
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in OPEN_STATUSES
            and self.due_by is not None
            and self.due_by < timezone.now()
        )

    @property
    def red_flags(self) -> list[str]:
        """Staff labels of the safety questions answered yes."""
        return [flag.staff_label for flag in RED_FLAGS if getattr(self, flag.field)]


class UploadQuerySet(models.QuerySet):
    def pending(self) -> "UploadQuerySet":
        return self.filter(status=UploadStatus.PENDING)


class Upload(models.Model):
    request = models.ForeignKey(ReviewRequest, on_delete=models.CASCADE, related_name="uploads")
    # On the default storage, which is private (settings.STORAGES): no public URL, mode 0600.
    file = models.FileField(upload_to=upload_path, max_length=255)
    original_name = models.CharField(
        max_length=255, help_text="The patient's file name, cleaned; kept as data, never a path."
    )
    kind = models.CharField(max_length=8, choices=FileKind)
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    status = models.CharField(max_length=16, choices=UploadStatus, default=UploadStatus.PENDING)
    failure_reason = models.TextField(blank=True, help_text="Why processing failed, for staff.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["request", "pk"]
        permissions = [("download_upload", "Can download uploaded files")]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="intake_upload_pending_idx",
                condition=Q(status=UploadStatus.PENDING),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["file"], name="intake_upload_file_unique"),
            models.CheckConstraint(condition=Q(size__gt=0), name="intake_upload_not_empty"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="intake_upload_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FileKind.values), name="intake_upload_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=UploadStatus.values), name="intake_upload_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=UploadStatus.FAILED) | Q(failure_reason=""),
                name="intake_upload_reason_only_when_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference}: {self.original_name}"


# --- triage ---------------------------------------------------------------------------------------


class StatusChange(models.Model):
    """One move through the workflow: written by intake.triage.change_status, never edited."""

    request = models.ForeignKey(
        ReviewRequest, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=32, choices=ReviewStatus)
    to_status = models.CharField(max_length=32, choices=ReviewStatus)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "changed_at", "pk"]
        indexes = [models.Index(fields=["to_status", "changed_at"], name="intake_sc_to_idx")]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Note(models.Model):
    """A staff note on a request. Append-only: the admin offers no edit and no delete."""

    request = models.ForeignKey(ReviewRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    text = models.TextField()

    class Meta:
        ordering = ["request", "created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="intake_note_not_empty")]

    def __str__(self) -> str:
        return f"Note by {self.author} on {self.created_at:%Y-%m-%d %H:%M}"


class UploadLinkQuerySet(models.QuerySet):
    def usable(self) -> "UploadLinkQuerySet":
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class UploadLink(models.Model):
    """A single-use, expiring link that lets a patient add files to their request.

    Only a SHA-256 of the token is kept: the link itself exists only in the e-mail to the patient.
    """

    request = models.ForeignKey(
        ReviewRequest, on_delete=models.CASCADE, related_name="upload_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    files_added = models.PositiveIntegerField(default=0)

    objects = UploadLinkQuerySet.as_manager()

    class Meta:
        ordering = ["request", "-created_at"]

    def __str__(self) -> str:
        return f"Link for more files ({self.request.reference})"


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed the request"
    DOWNLOAD = "download", "Downloaded a file"
    PREVIEW = "preview", "Opened a preview"
    EXPORT = "export", "Exported in a CSV file"
    RETENTION_FILES = "retention_files", "Files removed by retention"
    RETENTION_REQUEST = "retention_request", "Request removed by retention"


class AccessLog(models.Model):
    """Who saw or removed what, and when. Rows are append-only: a Postgres trigger refuses any update
    or delete. Requests and uploads are referred to by id and reference, not by foreign key, so a
    record outlives what it is about."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Null for the system (the retention command).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=True,
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=AccessAction)
    request_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reference = models.CharField(max_length=12, blank=True, db_index=True)
    upload_id = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "access record"
        ordering = ["-at", "-pk"]
        triggers = [
            pgtrigger.Protect(
                name="accesslog_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.reference}"
