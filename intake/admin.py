"""Read-only basics for review requests; the triage experience (workflow, notes, audit) comes later."""

from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from intake.models import ReviewRequest, Upload, imaging_context


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
    fields = ["original_name", "kind", "size", "status", "failure_reason", "download"]
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
class ReviewRequestAdmin(ReadOnlyAdmin):
    list_display = ["reference", "first_name", "last_name", "urgent", "status", "submitted_at"]
    list_filter = ["urgent", "status"]
    search_fields = ["reference", "last_name", "email"]
    date_hierarchy = "submitted_at"
    inlines = [UploadInline]
    readonly_fields = ["imaging"]

    def get_fields(self, request, obj=None):
        # What the patient sent comes first: staff see it at once, before the form's answers.
        fields = [f for f in super().get_fields(request, obj) if f not in self.readonly_fields]
        return [*self.readonly_fields, *fields]

    @admin.display(description="Imaging")
    def imaging(self, review_request: ReviewRequest) -> str:
        return render_to_string("admin/intake/_imaging.html", imaging_context(review_request))


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "request", "kind", "size", "status", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["request"]
    exclude = ["file"]  # the stored name is internal; staff download through the checked view
