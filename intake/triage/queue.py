"""The triage queue and request page in the admin: list filters, columns, actions and the small
workflow views behind the request page's buttons. intake/triage/admin.py puts them together."""

from django.contrib import admin, messages
from django.contrib.admin.options import Action, ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from intake.enums import ImagingPlan, ReviewStatus, SafetyTier
from intake.models import AccessAction, ReviewRequest, Upload
from intake.request.red_flags import RED_FLAGS, answer_conflicts, raised_flags, routine_notes
from intake.triage import services as triage
from intake.triage import workflow

# --- Filters --------------------------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    """Open requests unless asked otherwise: the queue is what still needs work."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open"), *ReviewStatus.choices, ("all", "All")]

    def choices(self, changelist):
        current = self.value() or "open"
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "all":
            return queryset
        if value == "open":
            return queryset.open()
        return queryset.filter(status=value)


class AssigneeFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Me"), ("nobody", "Nobody")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        if request.GET.get(StatusFilter.parameter_name, "open") == "open":
            # The status filter kept only the open requests already. The same IN list twice made
            # Postgres count its selectivity twice (363 rows expected, 6,117 found) and sort every
            # overdue request instead of reading the open queue's index in order (bench/README.md).
            return queryset.filter(due_by__lt=timezone.now())
        return queryset.overdue()


class SubmittedFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = "date submitted"


# --- The admin ------------------------------------------------------------------------------------


class TriageAdminMixin:
    """Queue columns, the request page's extra sections and the workflow actions."""

    change_form_template = "admin/intake/reviewrequest/change_form.html"

    class Media:
        css = {"all": ["intake/triage.css"]}

    # --- Queue ------------------------------------------------------------------------------------

    def get_queryset(self, request):
        # A count per row in a subquery, not Count("uploads") over a join: the join's GROUP BY
        # made Postgres aggregate every matching request before it could sort and take 50
        # (318 ms for "all" of 100,000; bench/README.md), and kept the queue index unused.
        files = (
            Upload.objects.filter(request=OuterRef("pk"))
            .order_by()
            .values("request")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(n_files=Coalesce(Subquery(files), 0))
            .prefetch_related("triage_checks")
        )

    @admin.display(description="Patient", ordering="last_name")
    def patient(self, obj: ReviewRequest) -> str:
        return f"{obj.first_name} {obj.last_name}"

    @admin.display(description="Waiting", ordering="submitted_at")
    def age(self, obj: ReviewRequest) -> str:
        return timesince(obj.submitted_at, depth=1)

    @admin.display(description="Urgency", ordering="tier")
    def urgency(self, obj: ReviewRequest) -> str:
        if obj.tier == SafetyTier.EMERGENCY:
            return mark_safe('<strong class="triage-urgent">Emergency</strong>')
        if obj.tier == SafetyTier.SEE_DOCTOR_SOON:
            return mark_safe('<strong class="triage-soon">Doctor soon</strong>')
        return "Routine"

    @admin.display(description="Files", ordering="n_files")
    def files(self, obj: ReviewRequest) -> int:
        return obj.n_files

    @admin.display(description="Imaging")
    def imaging(self, obj: ReviewRequest) -> str:
        return obj.imaging_line or ("Waiting to be read" if obj.n_files else "—")

    @admin.display(description="Checks")
    def checks(self, obj: ReviewRequest) -> str:
        found = []
        flags = len(raised_flags(obj))
        if flags:
            found.append(f"{flags} red flag{'s' if flags > 1 else ''}")
        if answer_conflicts(obj):
            found.append("answers disagree")
        if obj.imaging_plan == ImagingPlan.UPLOAD and not obj.n_files:
            found.append("no files")
        elif obj.imaging_plan != ImagingPlan.UPLOAD and not obj.n_files:
            found.append("MRI to come")
        found.extend(check.get_code_display() for check in obj.triage_checks.all())
        return "; ".join(found) or "—"

    @admin.display(description="Due by", ordering="due_by")
    def due(self, obj: ReviewRequest) -> str:
        if obj.due_by is None:
            return "—"
        when = timezone.localtime(obj.due_by).strftime("%b %d, %H:%M")
        if obj.is_overdue:
            return format_html('{} <strong class="triage-overdue">Overdue</strong>', when)
        return when

    # --- Request page -----------------------------------------------------------------------------

    @admin.display(description="Red flags")
    def red_flag_summary(self, obj: ReviewRequest) -> str:
        return "; ".join(raised_flags(obj)) or "None reported"

    @admin.display(description="Where the pain is")
    def pain_locations_display(self, obj: ReviewRequest) -> str:
        from intake.enums import PainLocation

        return ", ".join(str(PainLocation(value).label) for value in obj.pain_locations)

    @admin.display(description="Safety questions")
    def safety_answers(self, obj: ReviewRequest) -> str:
        return format_html(
            '<ul class="triage-answers">{}</ul>',
            format_html_join(
                "",
                "<li>{}: <strong>{}</strong></li>",
                (
                    (flag.question, "Yes" if getattr(obj, flag.field) else "No")
                    for flag in RED_FLAGS
                ),
            ),
        )

    @admin.display(description="Due by")
    def due_by_display(self, obj: ReviewRequest) -> str:
        return self.due(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_view_permission(request, obj):
            user = request.user
            extra_context = {
                **(extra_context or {}),
                "triage_targets": [
                    (t, ReviewStatus(t).label) for t in workflow.allowed_targets(obj.status, user)
                ],
                "can_assign": user.has_perm("intake.assign_reviewrequest"),
                "can_note": user.has_perm("intake.add_note"),
                "can_ask_files": user.has_perm("intake.change_reviewrequest"),
                "notes": obj.notes.select_related("author"),
                "status_changes": obj.status_changes.select_related("changed_by"),
                "upload_links": obj.upload_links.select_related("created_by"),
                "now": timezone.now(),
                "red_flags": raised_flags(obj),
                "answer_conflicts": answer_conflicts(obj),
                "routine_notes": routine_notes(obj),
            }
        response = super().change_view(request, object_id, form_url, extra_context)
        if obj is not None and response.status_code == 200 and request.method == "GET":
            triage.log_access(request=request, action=AccessAction.VIEW, review_request=obj)
        return response

    # --- The request page's buttons ---------------------------------------------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path(
                "<path:object_id>/triage/status/", wrap(self.status_view), name="intake_rr_status"
            ),
            path(
                "<path:object_id>/triage/assign/", wrap(self.assign_view), name="intake_rr_assign"
            ),
            path("<path:object_id>/triage/note/", wrap(self.note_view), name="intake_rr_note"),
            path(
                "<path:object_id>/triage/more-files/",
                wrap(self.more_files_view),
                name="intake_rr_more_files",
            ),
            *super().get_urls(),
        ]

    def _request_for(self, request: HttpRequest, object_id: str, permission: str):
        if not (self.has_view_permission(request) and request.user.has_perm(permission)):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=unquote(object_id))

    def _back(self, obj: ReviewRequest, anchor: str = "") -> HttpResponseRedirect:
        url = reverse("admin:intake_reviewrequest_change", args=[obj.pk])
        return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)

    def status_view(self, request, object_id):
        target = request.POST.get("to", "")
        if target not in ReviewStatus.values:
            raise PermissionDenied
        obj = self._request_for(request, object_id, workflow.permission_for(target))
        triage.change_status(review_request=obj, to_status=target, user=request.user)
        messages.success(request, f"{obj.reference} is now “{ReviewStatus(target).label}”.")
        return self._back(obj)

    def assign_view(self, request, object_id):
        obj = self._request_for(request, object_id, "intake.assign_reviewrequest")
        triage.assign(review_request=obj, assignee=request.user)
        messages.success(request, f"{obj.reference} is assigned to you.")
        return self._back(obj)

    def note_view(self, request, object_id):
        obj = self._request_for(request, object_id, "intake.add_note")
        text = request.POST.get("text", "")
        if not text.strip():
            messages.error(request, "Write something in the note before adding it.")
        else:
            triage.add_note(review_request=obj, author=request.user, text=text)
            messages.success(request, "Note added.")
        return self._back(obj, "triage-notes")

    def more_files_view(self, request, object_id):
        obj = self._request_for(request, object_id, "intake.change_reviewrequest")
        triage.send_upload_link(review_request=obj, user=request.user)
        messages.success(
            request, f"A link to add files was e-mailed to the patient of {obj.reference}."
        )
        return self._back(obj, "triage-more-files")

    # --- Actions ----------------------------------------------------------------------------------

    def has_assign_permission(self, request) -> bool:
        return request.user.has_perm("intake.assign_reviewrequest")

    @admin.action(description="Assign to me", permissions=["assign"])
    def assign_to_me(self, request, queryset):
        for obj in queryset:
            triage.assign(review_request=obj, assignee=request.user)
        messages.success(request, f"{len(queryset)} request(s) assigned to you.")

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return triage.export_csv(request=request, queryset=queryset)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        if action_location != ActionLocation.CHANGE_LIST or not actions:
            return actions
        for target, label in ReviewStatus.choices:
            # The outcome comes only from a signed review, never from a bulk action.
            if target in workflow.OUTCOME_STATUSES:
                continue
            if request.user.has_perm(workflow.permission_for(target)):
                name = f"move_to_{target}"
                description = f"Change status to “{label}”"
                actions[name] = Action(
                    func=_move_action(target),
                    name=name,
                    description=description,
                    plural_description=description,
                    locations=[ActionLocation.CHANGE_LIST],
                )
        return actions


def _move_action(target: str):
    def move(modeladmin, request, queryset):
        moved, refused = 0, []
        for obj in queryset:
            try:
                triage.change_status(review_request=obj, to_status=target, user=request.user)
                moved += 1
            except triage.TransitionNotAllowed:
                refused.append(obj.reference)
        if moved:
            messages.success(
                request, f"{moved} request(s) moved to “{ReviewStatus(target).label}”."
            )
        if refused:
            messages.warning(
                request,
                f"Not moved (that step does not follow their status): {', '.join(refused)}.",
            )

    return move
