import datetime
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Case, F, Func, Q, Sum, Value, When
from django.db.models.functions import Upper
from django.db.models.lookups import IContains, IEndsWith, Lookup
from django.db.models.sql.where import AND, WhereNode
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from intake.enums import (
    OPEN_STATUSES,
    AccessAction,
    AccessOutcome,
    BestTime,
    CheckCode,
    ContactMethod,
    Finding,
    ImagingPlan,
    InsurancePlanType,
    Language,
    PacsInstanceStatus,
    PacsSendStatus,
    PainDuration,
    PainLocation,
    PainOnset,
    ReviewConclusion,
    ReviewStatus,
    SafetyTier,
    ScanArea,
    SentEmailKind,
    SpineLevel,
    StagedUploadStatus,
    UploadStatus,
    YesNoUnsure,
)
from intake.imaging.checks import display_pn
from intake.rules import FileKind
from intake.rules import due_by as compute_due_by

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


def email_local_part(address) -> Func:
    """The part of an e-mail address before its @."""
    return Func(
        address, Value("@"), Value(1), function="split_part", output_field=models.CharField()
    )


class AddressIContains(Lookup):
    """icontains on an e-mail address (the admin's search): the same rows, found faster.

    A whole address ("maria.smith12@gmail.com") shares its domain's trigrams with a third of the
    table, and its trigram index read all of those (55 ms at a million rows). An address that
    contains "maria.smith12@gmail.com" has a part before its @ that ends with "maria.smith12", so
    that condition is added: its own trigram index (intake_rr_email_local_trgm_idx) holds no
    domains, and the icontains still decides. (An address whose part before the @ holds an @ in
    quotes, which no one types, could be missed.)"""

    lookup_name = "address_icontains"

    def as_sql(self, compiler, connection):
        condition = IContains(self.lhs, self.rhs)
        before_at, at, _ = (self.rhs if isinstance(self.rhs, str) else "").partition("@")
        if at and before_at:
            ends = IEndsWith(email_local_part(self.lhs), before_at)
            condition = WhereNode([condition, ends], AND)
        return compiler.compile(condition)


class ReviewRequestQuerySet(models.QuerySet):
    def queue(self) -> "ReviewRequestQuerySet":
        """Emergency answers first, then "see a doctor soon", then routine; oldest first in each."""
        return self.order_by("tier", "submitted_at")

    def awaiting_triage(self) -> "ReviewRequestQuerySet":
        return self.filter(status=ReviewStatus.NEW).queue()

    def open(self) -> "ReviewRequestQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self) -> "ReviewRequestQuerySet":
        return self.open().filter(due_by__lt=timezone.now())


# The safety answers, by the tier a "yes" puts a request in: the table's check that the stored tier
# fits the stored answers reads these. The questions themselves (their words, signs and sources) and
# the tier worked out when a request is kept belong to the patient's request room
# (intake.request.red_flags.RED_FLAGS); a test holds RED_FLAGS to these fields, tiers and order.
SAFETY_ANSWERS: dict[SafetyTier, tuple[str, ...]] = {
    SafetyTier.EMERGENCY: (
        "urine_trouble", "bladder_bowel_control", "saddle_numbness", "sexual_problems", "both_legs",
        "worsening_weakness", "trauma",
    ),
    SafetyTier.SEE_DOCTOR_SOON: (
        "fever_unwell", "cancer_history", "weight_loss", "night_pain", "infection_risk",
        "fracture_risk",
    ),
    SafetyTier.ROUTINE: ("morning_stiffness",),
}  # fmt: skip


def _any_yes(tier: SafetyTier) -> Q:
    q = Q()
    for field in SAFETY_ANSWERS[tier]:
        q |= Q(**{field: True})
    return q


def _tier_matches_answers() -> Q:
    """The stored tier is the most urgent tier any "yes" answer belongs to (a routine "yes" never
    raises it): what intake.request.red_flags.safety_tier works out."""
    emergency, soon = _any_yes(SafetyTier.EMERGENCY), _any_yes(SafetyTier.SEE_DOCTOR_SOON)
    return (
        (Q(tier=SafetyTier.EMERGENCY) & emergency)
        | (Q(tier=SafetyTier.SEE_DOCTOR_SOON) & ~emergency & soon)
        | (Q(tier=SafetyTier.ROUTINE) & ~emergency & ~soon)
    )


@dataclass(frozen=True)
class FieldGroup:
    """A part of the patient's answers, defined once: the form's layout, the admin's fieldsets and the
    CSV export read these groups (what the patient wrote in their own words is exported only with a
    permission: intake.triage.services.CLINICAL_TEXT_FIELDS)."""

    key: str
    patient_title: str  # the form's legend (English; the form shows it translated)
    staff_title: str  # the admin's fieldset
    fields: tuple[str, ...]
    exported: bool = True


REQUEST_FIELD_GROUPS: tuple[FieldGroup, ...] = (
    FieldGroup(
        "about",
        gettext_noop("About you"),
        "About the patient",
        ("first_name", "last_name", "date_of_birth", "email", "phone", "zip_code",
         "preferred_contact", "best_time_to_call"),
    ),
    FieldGroup(
        "pain",
        gettext_noop("Your pain"),
        "Their pain",
        ("pain_locations", "back_pain_score", "leg_pain_score", "pain_duration", "pain_onset",
         "pain_onset_details"),
    ),
    FieldGroup(
        "tried",
        gettext_noop("What you have tried"),
        "What they have tried",
        ("tried_physical_therapy", "physical_therapy_weeks", "tried_medicines", "tried_injections",
         "tried_chiropractic", "had_spine_surgery", "spine_surgery_when"),
        exported=False,
    ),
    FieldGroup(
        "mri",
        gettext_noop("Your MRI"),
        "Their MRI",
        ("imaging_plan", "mri_date", "mri_facility", "mri_body_area", "has_radiology_report"),
    ),
    # Exported as one "red_flags" column.
    FieldGroup(
        "safety",
        gettext_noop("Safety questions"),
        "Safety questions",
        tuple(field for fields in SAFETY_ANSWERS.values() for field in fields),
        exported=False,
    ),
    FieldGroup(
        "insurance",
        gettext_noop("Your insurance (optional)"),
        "Insurance",
        ("insurance_carrier", "insurance_plan_type"),
    ),
    FieldGroup(
        "consents",
        gettext_noop("Before you send"),
        "Consents",
        ("consent_privacy", "consent_contact", "consent_not_emergency"),
        exported=False,
    ),
)  # fmt: skip


class ReviewRequest(models.Model):
    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    status = models.CharField(max_length=32, choices=ReviewStatus, default=ReviewStatus.NEW)
    tier = models.PositiveSmallIntegerField(
        "safety tier",
        choices=SafetyTier,
        default=SafetyTier.ROUTINE,
        editable=False,
        help_text="From the safety answers: emergency now, a doctor today or tomorrow, or routine.",
    )
    submitted_at = models.DateTimeField(default=timezone.now, editable=False)
    # The one-time token of the form the patient submitted: a resubmit finds this row again.
    submission_token = models.UUIDField(unique=True, editable=False)
    # The page's language when the patient sent the form; e-mails and the letter use it. The
    # database default too: rows written by SQL (bench and test seeds, older code) are English.
    language = models.CharField(
        max_length=8,
        choices=Language,
        default=Language.ENGLISH,
        db_default=Language.ENGLISH,
        editable=False,
    )

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

    # Safety questions: one boolean per SAFETY_ANSWERS field (intake.request.red_flags asks them).
    urine_trouble = models.BooleanField()
    bladder_bowel_control = models.BooleanField()
    saddle_numbness = models.BooleanField()
    sexual_problems = models.BooleanField()
    both_legs = models.BooleanField()
    worsening_weakness = models.BooleanField()
    trauma = models.BooleanField()
    fever_unwell = models.BooleanField()
    cancer_history = models.BooleanField()
    weight_loss = models.BooleanField()
    night_pain = models.BooleanField()
    infection_risk = models.BooleanField()
    fracture_risk = models.BooleanField()
    morning_stiffness = models.BooleanField()

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
    # The imaging summary line, kept by intake.processing.keep each time an upload finishes, so the
    # queue shows it without reading studies and series for every row.
    imaging_line = models.CharField(max_length=300, blank=True)

    objects = ReviewRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "MRI review request"
        ordering = ["tier", "submitted_at"]
        permissions = [
            ("assign_reviewrequest", "Can assign review requests"),
            ("export_clinical_text", "Can export what patients wrote in their own words"),
        ]
        indexes = [
            models.Index(fields=["tier", "submitted_at"], name="intake_rr_queue_idx"),
            models.Index(
                fields=["tier", "submitted_at"],
                name="intake_rr_new_queue_idx",
                condition=Q(status=ReviewStatus.NEW),
            ),
            models.Index(fields=["status", "submitted_at"], name="intake_rr_status_idx"),
            # The open requests are a few percent of a table that keeps years of closed ones: these
            # two hold only them, so the default queue (in its order), the overdue filter and the
            # admin home's counts read the open rows, however many closed ones there are. The
            # home's counts are an index-only scan of the first (its INCLUDE columns).
            models.Index(
                fields=["tier", "submitted_at"],
                include=["status", "due_by", "assignee"],
                name="intake_rr_open_queue_idx",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["due_by"],
                name="intake_rr_open_due_idx",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            # The admin's search is icontains (UPPER(col::text) LIKE UPPER('%term%')) on these
            # fields: trigram indexes on the same expressions turn table scans into index lookups.
            # fastupdate off: with it on, new rows wait in a pending list (up to 4 MB per index)
            # that every search reads whole, and Postgres, costing that, chose a scan of the table
            # for an e-mail search (bench/README.md). A request is written once; searched often.
            *(
                GinIndex(
                    OpClass(Upper(field), name="gin_trgm_ops"),
                    name=f"intake_rr_{field}_trgm_idx",
                    fastupdate=False,
                )
                for field in ("reference", "first_name", "last_name", "email", "phone")
            ),
            GinIndex(
                OpClass(Upper(email_local_part(F("email"))), name="gin_trgm_ops"),
                name="intake_rr_email_local_trgm_idx",
                fastupdate=False,
            ),
            # The same searched expressions for the open requests alone: the queue's default
            # search reads this small index, where over the whole table's indexes Postgres ANDed
            # their matches with all 62,000 open requests of a million (47-155 ms;
            # bench/README.md). One multicolumn index: each OR'd field reads its own column.
            GinIndex(
                *(
                    OpClass(Upper(field), name="gin_trgm_ops")
                    for field in ("reference", "first_name", "last_name", "email", "phone")
                ),
                OpClass(Upper(email_local_part(F("email"))), name="gin_trgm_ops"),
                name="intake_rr_open_search_trgm_idx",
                condition=Q(status__in=OPEN_STATUSES),
                fastupdate=False,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference__regex=REFERENCE_PATTERN), name="intake_rr_reference_format"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="intake_rr_status_valid"
            ),
            models.CheckConstraint(
                condition=_tier_matches_answers(), name="intake_rr_tier_matches_answers"
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
        # The tier comes from the answers (intake.request.services works it out when it keeps a
        # request; the check constraint refuses any other); the due date follows from the tier.
        if self.due_by is None:
            self.due_by = compute_due_by(self.submitted_at, urgent=self.urgent)
        super().save(*args, **kwargs)

    @property
    def urgent(self) -> bool:
        """Emergency or "see a doctor soon": the clinic owes an answer the same day."""
        return self.tier != SafetyTier.ROUTINE

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in OPEN_STATUSES
            and self.due_by is not None
            and self.due_by < timezone.now()
        )


# The admin searches e-mail addresses with it (intake.triage.admin).
ReviewRequest._meta.get_field("email").register_lookup(AddressIContains)


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


# --- pipeline ---
# What the imaging pipeline (intake.imaging, run by intake.processing.keep) found in each upload. Rows are
# replaced as a whole each time an upload is processed, so a re-run never duplicates them.

# Where previews live inside private storage: not under uploads/, which the stray sweep treats as
# patients' originals. The sweep looks here too, for preview files with no Preview row.
PREVIEWS_PREFIX = "previews"
THUMBNAIL_SIDE = 160  # pixels, for previews shown in a list

# How BodyPartExamined (and the words staff use) read in the summary line.
_BODY_PART_WORDS = {
    "LSPINE": "lumbar spine",
    "LSSPINE": "lumbosacral spine",
    "TSPINE": "thoracic spine",
    "TLSPINE": "thoracolumbar spine",
    "CSPINE": "cervical spine",
    "CTSPINE": "cervicothoracic spine",
    "SSPINE": "sacral spine",
    "WHOLESPINE": "whole spine",
}


def preview_path(instance: "Preview", filename: str) -> str:
    today = timezone.now()
    return str(PurePosixPath(PREVIEWS_PREFIX, f"{today:%Y/%m}", f"{uuid.uuid4().hex}.png"))


def body_part_words(body_part: str) -> str:
    """'LSPINE' as 'lumbar spine', 'L-SPINE' too; anything else in lower case."""
    key = "".join(ch for ch in body_part.upper() if ch.isalnum())
    return _BODY_PART_WORDS.get(key, body_part.strip().lower())


def short_date(day) -> str:
    """12 Oct 2026: day first, month as a word, never ambiguous."""
    return f"{day.day} {day:%b %Y}"


class Study(models.Model):
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="studies")
    study_instance_uid = models.CharField("study instance UID", max_length=64)
    study_date = models.DateField(null=True, blank=True)
    study_description = models.CharField(max_length=200, blank=True)
    institution = models.CharField(max_length=200, blank=True)
    patient_name = models.CharField(
        "patient name in the images",
        max_length=200,
        blank=True,
        help_text="As the DICOM header has it.",
    )
    patient_birth_date = models.DateField("birth date in the images", null=True, blank=True)
    instance_count = models.PositiveIntegerField("images")

    class Meta:
        verbose_name_plural = "studies"
        ordering = ["upload", "study_date", "study_instance_uid"]
        constraints = [
            models.UniqueConstraint(
                fields=["upload", "study_instance_uid"], name="intake_study_once_per_upload"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study_description or 'Study'} ({self.study_date or 'no date'})"

    @property
    def patient_name_display(self) -> str:
        return display_pn(self.patient_name) if self.patient_name else ""


class Series(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="series")
    series_instance_uid = models.CharField("series instance UID", max_length=64)
    series_number = models.IntegerField(null=True, blank=True)
    modality = models.CharField(max_length=16, blank=True)
    body_part_examined = models.CharField(max_length=64, blank=True)
    series_description = models.CharField(max_length=200, blank=True)
    instance_count = models.PositiveIntegerField("images")

    class Meta:
        verbose_name_plural = "series"
        ordering = ["study", "series_number", "series_instance_uid"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "series_instance_uid"], name="intake_series_once_per_study"
            ),
        ]

    def __str__(self) -> str:
        return self.series_description or f"Series {self.series_number or ''}".strip()


class Preview(models.Model):
    """One PNG per DICOM series, photo or PDF first page, in private storage under previews/."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="previews")
    series = models.OneToOneField(
        Series, on_delete=models.CASCADE, null=True, blank=True, related_name="preview"
    )
    # The pipeline's key ("series:<uid>", "photo:<name>", "pdf:<name>"): unique within an upload.
    key = models.CharField(max_length=300)
    label = models.CharField(max_length=300, help_text="Describes the image; used as its alt text.")
    file = models.FileField(upload_to=preview_path, max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["upload", "key"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "key"], name="intake_preview_key_unique"),
            models.UniqueConstraint(fields=["file"], name="intake_preview_file_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("intake:preview", args=[self.pk])

    @property
    def thumbnail(self) -> dict[str, int]:
        """Width and height filling a 160-pixel box, for <img> attributes (no inline style). A tiny
        preview (a CD's 16-pixel test image) is drawn larger, so staff can see something."""
        scale = THUMBNAIL_SIDE / max(self.width, self.height, 1)
        return {
            "width": max(1, round(self.width * scale)),
            "height": max(1, round(self.height * scale)),
        }


class ImageSlice(models.Model):
    """One frame of a DICOM image in an upload, as the viewer needs it: where its bytes are (the
    ZIP member's place in the stored archive, so one slice is read without the rest), which series
    it is in, and its geometry and default window. Made from headers by `intake.processing.slices`
    each time the upload is processed, replacing the upload's earlier rows."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="slices")
    # {"name", "header_offset", "compress_type", "compress_size", "file_size", "crc", "flag_bits"}
    # for a ZIP member (intake.imaging.slices.ZipEntry), with "within": the same for the archive
    # inside the upload that holds it, if any; empty when the upload is the file itself.
    zip_entry = models.JSONField(default=dict, blank=True)
    frame = models.PositiveIntegerField(null=True, blank=True, help_text="In a multi-frame file.")
    study_instance_uid = models.CharField("study instance UID", max_length=64)
    series_instance_uid = models.CharField("series instance UID", max_length=64)
    sop_instance_uid = models.CharField("SOP instance UID", max_length=64, blank=True)
    series_number = models.IntegerField(null=True, blank=True)
    series_description = models.CharField(max_length=200, blank=True)
    modality = models.CharField(max_length=16, blank=True)
    study_date = models.DateField(null=True, blank=True)
    instance_number = models.IntegerField(null=True, blank=True)
    rows = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    transfer_syntax = models.CharField(max_length=64, blank=True)
    photometric = models.CharField(max_length=16, blank=True)
    # Image Position (Patient), Image Orientation (Patient), Pixel Spacing (mm), as in the header.
    position = ArrayField(models.FloatField(), size=3, null=True, blank=True)
    orientation = ArrayField(models.FloatField(), size=6, null=True, blank=True)
    pixel_spacing = ArrayField(models.FloatField(), size=2, null=True, blank=True)
    slice_thickness = models.FloatField(null=True, blank=True)
    slice_location = models.FloatField(null=True, blank=True)
    window_center = models.FloatField(null=True, blank=True)
    window_width = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["upload", "pk"]
        indexes = [
            models.Index(
                fields=["upload", "study_instance_uid", "series_instance_uid"],
                name="intake_slice_series_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows__gt=0) & Q(columns__gt=0), name="intake_slice_has_pixels"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series_description or 'Series'} #{self.instance_number or ''}".strip()


class UploadResult(models.Model):
    """The parts of a pipeline result that are not rows: notes, failures inside archives, photos and
    reports. One per processed (or failed) upload."""

    upload = models.OneToOneField(Upload, on_delete=models.CASCADE, related_name="result")
    notes = models.JSONField(default=list, blank=True)
    failures = models.JSONField(
        default=list, blank=True, help_text='[{"name": file inside the archive, "reason": …}]'
    )
    photos = models.JSONField(default=list, blank=True)
    documents = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Result of {self.upload}"

    @property
    def page_count(self) -> int:
        return sum(d.get("page_count", 0) for d in self.documents)


class TriageCheck(models.Model):
    """A check that helps triage, recomputed for the whole request each time one of its uploads is
    processed (intake.imaging.run_checks over every finished upload)."""

    request = models.ForeignKey(
        ReviewRequest, on_delete=models.CASCADE, related_name="triage_checks"
    )
    code = models.CharField(max_length=32, choices=CheckCode)
    message = models.CharField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "code"], name="intake_check_once_per_request"
            ),
            models.CheckConstraint(
                condition=Q(code__in=CheckCode.values), name="intake_check_code_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SeriesFacts:
    series_instance_uid: str
    modality: str
    body_part_examined: str
    instance_count: int


@dataclass(frozen=True)
class ImagingFacts:
    """What the summary line says, read from the rows once (`imaging_facts`)."""

    uploads: int
    waiting: int = 0
    failed: int = 0
    studies: tuple[tuple[str, datetime.date | None], ...] = ()  # (study instance UID, study date)
    series: tuple[SeriesFacts, ...] = ()
    with_report: bool = False
    photos: int = 0


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _images_parts(facts: ImagingFacts) -> list[str]:
    series = facts.series
    if not series:
        return ["No scan images"]
    modalities = sorted({s.modality for s in series if s.modality})
    regions = sorted(
        {body_part_words(s.body_part_examined) for s in series if s.body_part_examined}
    )
    parts = [" ".join(filter(None, ["/".join(modalities), " and ".join(regions)])) or "Images"]
    study_count = len({uid for uid, _ in facts.studies})
    if study_count > 1:
        parts.append(f"{study_count} studies")
    dates = sorted({day for _, day in facts.studies if day})
    if dates:
        parts.append(("newest " if len(dates) > 1 else "") + short_date(dates[-1]))
    parts.append(f"{len({s.series_instance_uid for s in series})} series")
    parts.append(_plural(sum(s.instance_count for s in series), "image"))
    return parts


def summary_line(facts: ImagingFacts) -> str:
    """ "MR lumbar spine, 12 Oct 2026, 4 series, 212 images, with report" from the facts.

    Series seen in several uploads (loose files of one series) count once; their images add up.
    """
    if not facts.uploads:
        return "No files uploaded"
    if facts.waiting == facts.uploads:
        return f"{facts.waiting} file(s) waiting to be processed"
    parts = _images_parts(facts)
    if facts.with_report:
        parts.append("with report")
    if facts.photos:
        parts.append(_plural(facts.photos, "photo"))
    if facts.failed:
        parts.append(f"{facts.failed} file(s) could not be read")
    if facts.waiting:
        parts.append(f"{facts.waiting} file(s) still being processed")
    return ", ".join(parts)


def imaging_facts(
    review_request: ReviewRequest, uploads: list[Upload] | None = None
) -> ImagingFacts:
    """The facts of a request's uploads. `uploads`: all of them, already loaded with `result` and
    `studies__series` (as `refresh_checks` has them), so that 2,000 loose files are not read twice."""
    if uploads is None:
        uploads = list(
            review_request.uploads.select_related("result").prefetch_related("studies__series")
        )
    statuses = [upload.status for upload in uploads]
    studies = [study for upload in uploads for study in upload.studies.all()]
    results = [upload.result for upload in uploads if hasattr(upload, "result")]
    return ImagingFacts(
        uploads=len(statuses),
        waiting=statuses.count(UploadStatus.PENDING),
        failed=statuses.count(UploadStatus.FAILED),
        studies=tuple((s.study_instance_uid, s.study_date) for s in studies),
        series=tuple(
            SeriesFacts(s.series_instance_uid, s.modality, s.body_part_examined, s.instance_count)
            for study in studies
            for s in study.series.all()
        ),
        with_report=any(r.documents for r in results),
        photos=sum(len(r.photos) for r in results),
    )


def imaging_summary_line(review_request: ReviewRequest, uploads: list[Upload] | None = None) -> str:
    """The summary line of a whole request (kept on it as `imaging_line`); `uploads` as for
    `imaging_facts`."""
    return summary_line(imaging_facts(review_request, uploads))


def imaging_context(review_request: ReviewRequest) -> dict:
    """What `admin/intake/_imaging.html` shows: the summary line, checks, and per upload its status,
    studies with their series, and previews. Any staff page can include that partial with this."""
    uploads = review_request.uploads.select_related("result").prefetch_related(
        "studies__series__preview", "previews"
    )
    return {
        "summary": imaging_summary_line(review_request),
        "checks": list(review_request.triage_checks.all()),
        "uploads": list(uploads),
    }


# --- tus (resumable uploads) ----------------------------------------------------------------------

# Where partly received uploads live inside private storage (intake.uploads.staging reads and writes it).
STAGING_PREFIX = "staging"


def new_staged_key() -> str:
    """The id in an upload's URL: 256 random bits, so it cannot be guessed or enumerated."""
    return secrets.token_urlsafe(32)


# What `new_staged_key` makes: 43 URL-safe base64 characters. The form checks a posted id against it
# before any query, so a hostile value (a NUL byte, megabytes of text) never reaches the database.
STAGED_KEY = re.compile(r"[A-Za-z0-9_-]{43}")


class StagedUploadQuerySet(models.QuerySet):
    def owned_by(self, owner: str) -> "StagedUploadQuerySet":
        return self.filter(owner=owner)

    def live(self) -> "StagedUploadQuerySet":
        return self.filter(expires_at__gt=timezone.now())

    def expired(self) -> "StagedUploadQuerySet":
        return self.filter(expires_at__lte=timezone.now())

    def complete(self) -> "StagedUploadQuerySet":
        return self.filter(status=StagedUploadStatus.COMPLETE)

    def arrived(self, owner: str, keys: Iterable[str]) -> "StagedUploadQuerySet":
        """The live uploads of this browser session among the ids a form sent, once all their bytes
        arrived (complete, or skipped as CD clutter). A malformed id cannot be an upload's: it is
        never queried."""
        wellformed = [key for key in keys if STAGED_KEY.fullmatch(key)]
        return (
            self.owned_by(owner)
            .live()
            .filter(key__in=wellformed)
            .exclude(status=StagedUploadStatus.RECEIVING)
        )

    def declared_bytes(self) -> int:
        """Bytes these live uploads will hold once complete: the declared lengths, not what has
        arrived, so nobody reserves more than the limits by creating uploads and sending slowly."""
        held = self.live().exclude(status=StagedUploadStatus.SKIPPED)
        return held.aggregate(total=Sum("length"))["total"] or 0

    def staging_bytes(self) -> int:
        """The staging area's size: live uploads at their declared length, expired ones at what
        arrived (those bytes stay on disk until `purge_expired_uploads`). Skipped CD clutter holds
        nothing once complete, and few bytes before."""
        held = self.exclude(status=StagedUploadStatus.SKIPPED)
        size = Case(When(expires_at__gt=timezone.now(), then=F("length")), default=F("offset"))
        return held.aggregate(total=Sum(size))["total"] or 0


class StagedUpload(models.Model):
    """A file arriving by tus, before it is attached to a review request.

    Nothing here says anything about the patient's health: the owner is a hash of a secret kept in
    the browser session, and the only metadata kept is the cleaned file name.
    """

    key = models.CharField(max_length=64, unique=True, default=new_staged_key, editable=False)
    owner = models.CharField(
        max_length=64, db_index=True, help_text="SHA-256 of the uploading session's owner secret."
    )
    client = models.CharField(
        max_length=64,
        db_index=True,
        blank=True,
        help_text="Keyed hash of the client address, to bound staged bytes per address.",
    )
    file_name = models.CharField(max_length=255, help_text="The patient's file name, cleaned.")
    length = models.PositiveBigIntegerField(help_text="Bytes announced by Upload-Length.")
    offset = models.PositiveBigIntegerField(default=0, help_text="Bytes received so far.")
    status = models.CharField(
        max_length=16, choices=StagedUploadStatus, default=StagedUploadStatus.RECEIVING
    )
    kind = models.CharField(max_length=8, choices=FileKind, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(db_index=True)

    objects = StagedUploadQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(offset__lte=models.F("length")), name="intake_staged_offset_in_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=StagedUploadStatus.values), name="intake_staged_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=StagedUploadStatus.COMPLETE)
                | (
                    Q(offset=models.F("length"))
                    & Q(sha256__regex=r"^[0-9a-f]{64}$")
                    & Q(kind__in=FileKind.values)
                ),
                name="intake_staged_complete_is_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"staged upload {self.pk}"

    @property
    def staging_name(self) -> str:
        return str(PurePosixPath(STAGING_PREFIX, self.key))

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


# --- scale-out ---


class SentEmail(models.Model):
    """One row per e-mail sent about a request: a task run again (its worker was killed and the
    task requeued) finds the row and does not send twice."""

    request = models.ForeignKey(ReviewRequest, on_delete=models.CASCADE, related_name="sent_emails")
    kind = models.CharField(max_length=32, choices=SentEmailKind)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "kind"], name="intake_sentemail_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference}: {self.get_kind_display()}"


# --- triage ---------------------------------------------------------------------------------------


class StatusChange(models.Model):
    """One move through the workflow: written by intake.triage.services.change_status, never edited."""

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


class ReviewNotAllowed(Exception):
    """A surgeon's review that cannot be signed, changed or sent as asked; the message says why."""


class SurgeonReviewQuerySet(models.QuerySet):
    def latest_of(self, review_request: ReviewRequest) -> "SurgeonReview | None":
        """The version in force: the newest. Older ones stay as they were signed."""
        return self.filter(request=review_request).order_by("-version").first()


class SurgeonReview(models.Model):
    """A surgeon's review of a request's MRI, signed by the staff user who wrote it.

    Every row is a signed review: it is never changed (save() refuses, and a Postgres trigger refuses
    any UPDATE, raw SQL included). A correction is a new version beside the old one
    (intake.triage.review.sign_review is the one writer).

    `findings` is a list of {"level": SpineLevel, "finding": Finding, "detail": str}: kept in the
    signed row itself, so the whole review is one immutable record.
    """

    request = models.ForeignKey(
        ReviewRequest, on_delete=models.CASCADE, related_name="surgeon_reviews"
    )
    version = models.PositiveSmallIntegerField()
    findings = models.JSONField(default=list, blank=True)
    conclusion = models.CharField(max_length=16, choices=ReviewConclusion)
    reasons = models.TextField(
        "reasons for the patient", help_text="In plain words: this text is printed in the letter."
    )
    correction_note = models.TextField(
        blank=True, help_text="For a new version: what it corrects, and why (staff only)."
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signed_reviews"
    )
    # The signer's name as it was when they signed, as on a paper signature.
    signer_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField(default=timezone.now)

    objects = SurgeonReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "surgeon's review"
        ordering = ["request", "version"]
        # No add or change: reviews are signed through their own view, never typed in the admin.
        default_permissions = ("view",)
        permissions = [
            ("sign_review", "Can sign a surgeon's review"),
            ("send_review_letter", "Can send the patient their review letter"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="intake_sr_one_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="intake_sr_version_from_1"),
            models.CheckConstraint(
                condition=Q(conclusion__in=ReviewConclusion.values),
                name="intake_sr_conclusion_valid",
            ),
            models.CheckConstraint(condition=~Q(reasons=""), name="intake_sr_reasons_given"),
            models.CheckConstraint(condition=~Q(signer_name=""), name="intake_sr_signer_named"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(correction_note=""),
                name="intake_sr_correction_explained",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="surgeonreview_signed_immutable", operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"Review of {self.request.reference}, version {self.version}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ReviewNotAllowed("A signed review cannot be changed: sign a correction instead.")
        super().save(*args, **kwargs)

    @property
    def outcome_status(self) -> ReviewStatus:
        """The request's "reviewed" status this conclusion leads to."""
        if self.conclusion == ReviewConclusion.CANDIDATE:
            return ReviewStatus.REVIEWED_CANDIDATE
        return ReviewStatus.REVIEWED_NOT_CANDIDATE

    @property
    def ordered_findings(self) -> list[dict]:
        """The findings in spine order, from the neck down."""
        order = {value: n for n, value in enumerate(SpineLevel.values)}
        return sorted(self.findings, key=lambda row: order.get(row["level"], len(order)))

    @property
    def finding_rows(self) -> list[tuple[str, str, str]]:
        """(level, finding, detail) labels, for staff."""
        return [
            (SpineLevel(row["level"]).label, Finding(row["finding"]).label, row.get("detail", ""))
            for row in self.ordered_findings
        ]

    @property
    def levels(self) -> list[str]:
        """The levels involved, in spine order."""
        return list(dict.fromkeys(level for level, _, _ in self.finding_rows))

    @property
    def findings_text(self) -> str:
        """One line for the CSV export: "L4-L5 Disc herniation; L5-S1 Other (describe): …"."""
        return "; ".join(
            f"{level} {finding}" + (f": {detail}" if detail else "")
            for level, finding, detail in self.finding_rows
        )


class ReviewLetter(models.Model):
    """One sending of a signed review's letter to the patient.

    The e-mail only says the letter is ready; the link in it (signed, intake.request.letters) works
    until `expires_at` and asks for the reference and date of birth. Rows are kept as the record of
    what was sent, by whom and when.
    """

    review = models.ForeignKey(SurgeonReview, on_delete=models.CASCADE, related_name="letters")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Set by the task worker once the e-mail went out (a requeued task does not send it twice).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"Letter for {self.review}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_current(self) -> bool:
        """Its link still works: not expired, and no newer letter went to the same patient (a
        correction's letter replaces the old one)."""
        newer = ReviewLetter.objects.filter(
            review__request_id=self.review.request_id, pk__gt=self.pk
        )
        return not self.is_expired and not newer.exists()


class AccessLog(models.Model):
    """Who saw or removed what, and when. Rows are append-only: Postgres triggers refuse any update,
    delete or truncate, and the app's database role may only read and insert here (docs/security.md).
    Requests and uploads are referred to by id and reference, not by foreign key, so a record
    outlives what it is about."""

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
    # For a patient's look-up: how it ended. Blank for staff and system records; a database default,
    # so writers that do not name it (raw SQL, older code) still insert.
    outcome = models.CharField(max_length=16, choices=AccessOutcome, blank=True, db_default="")

    class Meta:
        verbose_name = "access record"
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=[*AccessOutcome.values, ""]),
                name="intake_accesslog_outcome_valid",
            ),
            # A patient's look-up always says how it ended.
            models.CheckConstraint(
                condition=~Q(action=AccessAction.STATUS) | ~Q(outcome=""),
                name="intake_accesslog_status_has_outcome",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="accesslog_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            # TRUNCATE fires no row trigger, so it needs a statement trigger of its own.
            pgtrigger.Trigger(
                name="accesslog_no_truncate",
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.reference}"


# --- PACS -----------------------------------------------------------------------------------------
# "Send to PACS" (intake/triage/pacs.py): a request's DICOM instances sent by the task worker to the
# clinic's PACS under the clinic's MRN and an accession number; one row per instance, so a partial
# failure is retried for the failed instances only.

# Patient ID is LO (64 characters), Accession Number SH (16): no backslash (DICOM's value
# separator) and no control character. A Postgres regular expression (the constraint runs there).
DICOM_ID_PATTERN = r"^[^\\[:cntrl:]]+$"


class PacsSend(models.Model):
    request = models.ForeignKey(ReviewRequest, on_delete=models.CASCADE, related_name="pacs_sends")
    patient_id = models.CharField("clinic MRN", max_length=64)
    accession_number = models.CharField(max_length=16)
    destination = models.CharField(max_length=200, help_text="The PACS it went to (AE@host:port).")
    status = models.CharField(max_length=16, choices=PacsSendStatus, default=PacsSendStatus.QUEUED)
    detail = models.CharField(max_length=300, blank=True, help_text="Why nothing could be sent.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "PACS send"
        ordering = ["request", "-created_at", "-pk"]
        permissions = [("send_to_pacs", "Can send studies to the clinic's PACS")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PacsSendStatus.values), name="intake_pacssend_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(patient_id__regex=DICOM_ID_PATTERN)
                & Q(accession_number__regex=DICOM_ID_PATTERN),
                name="intake_pacssend_ids_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} to {self.destination}"


class PacsInstance(models.Model):
    """One DICOM instance of a send: where it is in the stored upload, and how its sending went."""

    send = models.ForeignKey(PacsSend, on_delete=models.CASCADE, related_name="instances")
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(
        max_length=500, blank=True, help_text="Its path inside the zip; empty for a single file."
    )
    sop_instance_uid = models.CharField("SOP instance UID", max_length=64)
    sop_class_uid = models.CharField("SOP class UID", max_length=64)
    transfer_syntax_uid = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=PacsInstanceStatus, default=PacsInstanceStatus.PENDING
    )
    detail = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "PACS instance"
        ordering = ["send", "pk"]
        constraints = [
            # The same image found twice (a CD uploaded twice) is sent once.
            models.UniqueConstraint(
                fields=["send", "sop_instance_uid"], name="intake_pacsinstance_once_per_send"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PacsInstanceStatus.values),
                name="intake_pacsinstance_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.sop_instance_uid
