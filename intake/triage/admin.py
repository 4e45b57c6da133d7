"""Review requests in the admin: the triage queue and request page (intake/triage/queue.py), the
uploads, and the access log."""

from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from intake.models import AccessLog, ReviewRequest, Upload, imaging_context
from intake.triage.queue import (
    AssigneeFilter,
    OverdueFilter,
    StatusFilter,
    SubmittedFilter,
    TriageAdminMixin,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the patient sent is a record: staff read it, nobody edits it here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


class UploadInline(admin.TabularInline):
    model = Upload
    extra = 0
    fields = ["original_name", "kind", "size", "status", "failure_reason", "created_at", "download"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="File")
    def download(self, upload: Upload) -> str:
        return format_html(
            '<a href="{}">Download</a>', reverse("intake:upload_download", args=[upload.pk])
        )


@admin.register(ReviewRequest)
class ReviewRequestAdmin(TriageAdminMixin, ReadOnlyAdmin):
    list_display = [
        "reference",
        "patient",
        "age",
        "urgency",
        "status",
        "assignee",
        "files",
        "imaging",
        "checks",
        "due",
    ]
    list_filter = [
        StatusFilter,
        "tier",
        AssigneeFilter,
        OverdueFilter,
        ("submitted_at", SubmittedFilter),
    ]
    list_select_related = ["assignee"]
    list_per_page = 50
    show_full_result_count = False  # one count query fewer on every page of the queue
    search_fields = ["reference", "first_name", "last_name", "email", "phone"]
    search_help_text = "Search by reference, name, e-mail or phone."
    inlines = [UploadInline]
    actions = ["assign_to_me", "export_csv"]
    # The patient's answers grouped as on the form; all read-only.
    fieldsets = [
        (
            "Triage",
            {
                "fields": [
                    "reference",
                    "status",
                    "red_flag_summary",
                    "submitted_at",
                    "due_by_display",
                    "assignee",
                    "imaging_summary",
                ]
            },
        ),
        (
            "About the patient",
            {
                "fields": [
                    ("first_name", "last_name"),
                    "date_of_birth",
                    "email",
                    "phone",
                    "zip_code",
                    "preferred_contact",
                    "best_time_to_call",
                ]
            },
        ),
        (
            "Their pain",
            {
                "fields": [
                    "pain_locations_display",
                    ("back_pain_score", "leg_pain_score"),
                    "pain_duration",
                    "pain_onset",
                    "pain_onset_details",
                ]
            },
        ),
        (
            "What they have tried",
            {
                "fields": [
                    "tried_physical_therapy",
                    "physical_therapy_weeks",
                    "tried_medicines",
                    "tried_injections",
                    "tried_chiropractic",
                    "had_spine_surgery",
                    "spine_surgery_when",
                ]
            },
        ),
        (
            "Their MRI",
            {
                "fields": [
                    "imaging_plan",
                    "mri_date",
                    "mri_facility",
                    "mri_body_area",
                    "has_radiology_report",
                ]
            },
        ),
        ("Safety questions", {"fields": ["safety_answers"]}),
        ("Insurance", {"fields": ["insurance_carrier", "insurance_plan_type"]}),
        ("Consents", {"fields": ["consent_privacy", "consent_contact", "consent_not_emergency"]}),
    ]

    @admin.display(description="Imaging")
    def imaging_summary(self, review_request: ReviewRequest) -> str:
        return render_to_string("admin/intake/_imaging.html", imaging_context(review_request))

    def get_readonly_fields(self, request, obj=None):
        return [
            field
            for fieldset in self.fieldsets
            for entry in fieldset[1]["fields"]
            for field in (entry if isinstance(entry, tuple) else (entry,))
        ]


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "request", "kind", "size", "status", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["request"]
    exclude = ["file"]  # the stored name is internal; staff download through the checked view


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Who saw what: readable, never written here. The database refuses updates and deletes."""

    list_display = ["at", "user", "action", "reference", "upload_id", "client_address", "detail"]
    list_filter = ["action", ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["reference", "user__username"]
    search_help_text = "Search by request reference or user name."
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
