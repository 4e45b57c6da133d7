"""The request page's "Clinic's PACS" section: send the study (with the clinic's MRN and an
accession number), retry what failed, test the connection. The sending is the task worker's
(intake/triage/pacs.py); these views only record and queue, except the echo (bounded, see there)."""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from backcare.admin_base import ReadOnlyAdmin
from intake.enums import PacsInstanceStatus, PacsSendStatus
from intake.models import PacsInstance, PacsSend, ReviewRequest
from intake.triage import pacs

SEND_PERMISSION = "intake.send_to_pacs"
VIEW_PERMISSION = "intake.view_pacssend"
# DICOM text values: no backslash (the value separator) and no control characters.
_DICOM_TEXT = re.compile(r"^[^\\\x00-\x1f\x7f]+$")
_FAILED_SHOWN = 20


def _dicom_text(value: str) -> str:
    value = value.strip()
    if value and not _DICOM_TEXT.match(value):
        raise forms.ValidationError(
            "Use letters, digits and punctuation only (no backslash).", code="dicom_text"
        )
    return value


class PacsSendForm(forms.Form):
    patient_id = forms.CharField(
        label="Clinic MRN",
        max_length=64,
        help_text="The patient's medical record number at the clinic: the PACS files the study under it.",
    )
    accession_number = forms.CharField(
        max_length=16,
        required=False,
        help_text="Leave empty to use the request's reference without dashes.",
    )

    def clean_patient_id(self) -> str:
        return _dicom_text(self.cleaned_data["patient_id"])

    def clean_accession_number(self) -> str:
        return _dicom_text(self.cleaned_data["accession_number"])


def _sends(review_request: ReviewRequest) -> list[PacsSend]:
    sends = list(
        review_request.pacs_sends.select_related("created_by").annotate(
            n_sent=Count("instances", filter=Q(instances__status=PacsInstanceStatus.SENT)),
            n_failed=Count("instances", filter=Q(instances__status=PacsInstanceStatus.FAILED)),
            n_total=Count("instances"),
        )
    )
    for send in sends:
        send.failed_rows = (
            send.instances.filter(status=PacsInstanceStatus.FAILED)[:_FAILED_SHOWN]
            if send.n_failed
            else []
        )
        send.retryable = send.status in (PacsSendStatus.PARTLY_SENT, PacsSendStatus.FAILED)
    return sends


class PacsAdminMixin:
    """Adds the section's context and its three POST views to the review request admin."""

    def pacs_context(self, request: HttpRequest, obj: ReviewRequest) -> dict:
        user = request.user
        if not (user.has_perm(VIEW_PERMISSION) or user.has_perm(SEND_PERMISSION)):
            return {}
        found = pacs.destination()
        return {
            "pacs": {
                "destination": found,
                "can_send": user.has_perm(SEND_PERMISSION) and found is not None,
                "form": PacsSendForm(
                    initial={"accession_number": ""},
                    auto_id="pacs-%s",
                ),
                "assigned_accession": pacs.assigned_accession(obj),
                "sends": _sends(obj),
            }
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_view_permission(request, obj):
            extra_context = {**(extra_context or {}), **self.pacs_context(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("<path:object_id>/pacs/send/", wrap(self.pacs_send_view), name="intake_rr_pacs"),
            path(
                "<path:object_id>/pacs/retry/<int:send_id>/",
                wrap(self.pacs_retry_view),
                name="intake_rr_pacs_retry",
            ),
            path(
                "<path:object_id>/pacs/echo/", wrap(self.pacs_echo_view), name="intake_rr_pacs_echo"
            ),
            *super().get_urls(),
        ]

    def _pacs_back(self, obj: ReviewRequest) -> HttpResponseRedirect:
        url = reverse("admin:intake_reviewrequest_change", args=[obj.pk])
        return HttpResponseRedirect(f"{url}#triage-pacs")

    def _pacs_request(self, request: HttpRequest, object_id: str) -> ReviewRequest:
        if request.method != "POST":
            raise PermissionDenied
        if not (self.has_view_permission(request) and request.user.has_perm(SEND_PERMISSION)):
            raise PermissionDenied
        return get_object_or_404(ReviewRequest, pk=unquote(object_id))

    def pacs_send_view(self, request, object_id):
        obj = self._pacs_request(request, object_id)
        form = PacsSendForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label or field
                messages.error(request, f"Not sent. {label}: {' '.join(errors)}")
            return self._pacs_back(obj)
        try:
            pacs.start_send(review_request=obj, request=request, **form.cleaned_data)
        except pacs.PacsNotConfigured:
            messages.error(request, "Not sent: no PACS is configured.")
            return self._pacs_back(obj)
        messages.success(
            request,
            f"The images of {obj.reference} are queued for the PACS; this page shows how it went.",
        )
        return self._pacs_back(obj)

    def pacs_retry_view(self, request, object_id, send_id):
        obj = self._pacs_request(request, object_id)
        send = get_object_or_404(obj.pacs_sends, pk=send_id)
        if send.status not in (PacsSendStatus.PARTLY_SENT, PacsSendStatus.FAILED):
            messages.warning(request, "That send is not finished, or nothing in it failed.")
            return self._pacs_back(obj)
        count = pacs.retry_send(send=send, request=request)
        messages.success(request, f"{count or 'All'} image(s) queued to be sent again.")
        return self._pacs_back(obj)

    def pacs_echo_view(self, request, object_id):
        obj = self._pacs_request(request, object_id)
        answered, sentence = pacs.test_connection()
        (messages.success if answered else messages.error)(request, sentence)
        return self._pacs_back(obj)


class PacsInstanceInline(admin.TabularInline):
    model = PacsInstance
    fields = ["name", "sop_instance_uid", "status", "detail", "attempts", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(VIEW_PERMISSION)


class PacsSendAdmin(ReadOnlyAdmin):
    """Every send and each instance's result: readable, never written here."""

    list_display = ["request", "destination", "status", "patient_id", "created_by", "created_at"]
    list_filter = ["status"]
    list_select_related = ["request", "created_by"]
    search_fields = ["request__reference"]
    inlines = [PacsInstanceInline]
