"""Review requests in the admin: the triage queue and request page (intake/triage/queue.py), the
uploads, and the access log."""

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from backcare.admin_base import CappedCountPaginator, FastRowsAdmin, ReadOnlyAdmin
from intake.models import (
    REQUEST_FIELD_GROUPS,
    AccessLog,
    FieldGroup,
    PacsSend,
    ReviewRequest,
    Upload,
    imaging_context,
)
from intake.triage.pacs_admin import PacsAdminMixin, PacsSendAdmin
from intake.triage.queue import (
    AssigneeFilter,
    OverdueFilter,
    StatusFilter,
    SubmittedFilter,
    TriageAdminMixin,
)
from intake.triage.review_admin import ReviewAdminMixin


class PatientRecordAdmin(ReadOnlyAdmin):
    """What the patient sent is a record: staff read it, nobody edits it here; a superuser may delete
    one (spam, or a patient's erasure request)."""

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


# How the admin shows some of the patient's answers: two short ones side by side, the pain
# locations in words, and the safety answers as one block (red flags first).
_STAFF_SHOWN = {
    "first_name": ("first_name", "last_name"),
    "last_name": None,
    "back_pain_score": ("back_pain_score", "leg_pain_score"),
    "leg_pain_score": None,
    "pain_locations": "pain_locations_display",
}


def _staff_fields(group: FieldGroup) -> list:
    if group.key == "safety":
        return ["safety_answers"]
    shown = (_STAFF_SHOWN.get(name, name) for name in group.fields)
    return [entry for entry in shown if entry is not None]


@admin.register(ReviewRequest)
class ReviewRequestAdmin(
    PacsAdminMixin, ReviewAdminMixin, TriageAdminMixin, PatientRecordAdmin, FastRowsAdmin
):
    list_display = [
        "reference",
        "patient",
        "age",
        "urgency",
        "status",
        "language",
        "assignee",
        "files",
        "imaging",
        "checks",
        "due",
    ]
    list_filter = [
        StatusFilter,
        "tier",
        "language",
        AssigneeFilter,
        OverdueFilter,
        ("submitted_at", SubmittedFilter),
    ]
    list_select_related = ["assignee"]
    list_per_page = 50
    # One count query, of at most CappedCountPaginator.CAP rows, on every page of the queue.
    show_full_result_count = False
    paginator = CappedCountPaginator
    # icontains on each; the e-mail's through intake.models.AddressIContains (its index).
    search_fields = ["reference", "first_name", "last_name", "email__address_icontains", "phone"]
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
        *((group.staff_title, {"fields": _staff_fields(group)}) for group in REQUEST_FIELD_GROUPS),
    ]

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        searched = bool(request.GET.get(SEARCH_VAR, "").strip())
        return self.paginator(
            queryset, per_page, orphans, allow_empty_first_page, searched=searched
        )

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
class UploadAdmin(PatientRecordAdmin):
    list_display = ["original_name", "request", "kind", "size", "status", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["request"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    exclude = ["file"]  # the stored name is internal; staff download through the checked view


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Who saw what: readable, never written here. The database refuses updates and deletes."""

    list_display = [
        "at",
        "user",
        "action",
        "outcome",
        "reference",
        "upload_id",
        "client_address",
        "detail",
    ]
    list_filter = ["action", "outcome", ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    search_fields = ["reference", "user__username"]
    search_help_text = "Search by request reference or user name."
    date_hierarchy = "at"


admin.site.register(PacsSend, PacsSendAdmin)
