"""Read-only basics for review requests; the triage experience (workflow, notes, audit) comes later."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from intake.models import ReviewRequest, Upload


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
    fields = ["original_name", "kind", "size", "status", "download"]
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


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "request", "kind", "size", "status", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["request"]
    exclude = ["file"]  # the stored name is internal; staff download through the checked view
