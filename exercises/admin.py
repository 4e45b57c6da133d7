import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from backcare.admin_base import ReadOnlyAdmin
from exercises.models import (
    ContentReview,
    Exercise,
    Programme,
    ProgrammeItem,
    ReviewState,
    Routine,
    RoutineItem,
    Step,
)
from exercises.services import can_record_review, record_review

LANGUAGE_CHOICES = [("en", "English"), ("es", "Spanish")]


class ReviewStateFilter(admin.SimpleListFilter):
    """What needs a clinician: never reviewed or changed since, overdue, or due soon.

    The state depends on a fingerprint of the text, so it is worked out in Python; the library is
    a few dozen pages.
    """

    title = "clinical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("needed", "Awaiting review (new or changed)"),
            ("overdue", "Review overdue"),
            ("due_30", "Due in the next 30 days"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        today = timezone.localdate()

        def wanted(item) -> bool:
            # The English text; the Spanish one has its own column and review link.
            state = item.review_state(today, language="en")
            if value == "needed":
                return state in (ReviewState.NEVER, ReviewState.CHANGED)
            if value == "overdue":
                return state == ReviewState.OVERDUE
            return state == ReviewState.CURRENT and item.latest_review(
                "en"
            ).due_on <= today + datetime.timedelta(days=30)

        # The admin's queryset already prefetches the reviews and what the fingerprint reads.
        return queryset.filter(pk__in=[item.pk for item in queryset if wanted(item)])


class StepInline(admin.TabularInline):
    model = Step
    fields = ["order", "text", "text_es"]
    extra = 1
    help_text = "Steps show in order of the number. One action a step, in the order the body moves."


class RoutineItemInline(admin.TabularInline):
    model = RoutineItem
    fields = ["order", "exercise", "reps", "sets", "hold_seconds", "note", "note_es"]
    autocomplete_fields = ["exercise"]
    extra = 1


class RecordReviewForm(forms.Form):
    credentials = forms.CharField(
        max_length=120, help_text="As they should appear on the page, e.g. PT, DPT."
    )
    checked = forms.BooleanField(
        label=(
            "I have checked this version: the steps, the picture, how much to do, "
            "what to feel, when to stop and who should take care."
        )
    )
    version = forms.CharField(widget=forms.HiddenInput)
    # Sent with the form; an older form without it was for the English text.
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES, widget=forms.HiddenInput, required=False)


class ReviewedAdmin(admin.ModelAdmin):
    """The clinical review part of the exercise and routine admins."""

    review_prefetch: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("reviews", *self.review_prefetch)

    @staticmethod
    def _status(obj, language: str) -> str:
        state = obj.review_state(language=language)
        if state == ReviewState.CURRENT:
            review = obj.latest_review(language)
            return f"{state.label}: {review.signed}, {review.reviewed_on}"
        return state.label

    @admin.display(description="Clinical review")
    def review_status(self, obj) -> str:
        return self._status(obj, "en")

    @admin.display(description="Spanish review")
    def review_status_es(self, obj) -> str:
        if not obj.has_spanish:
            return "Spanish not written yet"
        return self._status(obj, "es")

    @admin.display(description="Clinical review")
    def review_panel(self, obj) -> str:
        if obj.pk is None:
            return "Save first. A clinician then records a review of what you saved."
        link = reverse(f"admin:exercises_{obj._meta.model_name}_review", args=[obj.pk])
        english = format_html(
            'English: {} <a class="button" href="{}?language=en">Review the English version</a>',
            self.review_status(obj),
            link,
        )
        if not obj.has_spanish:
            missing = ", ".join(obj.spanish_missing())
            return format_html("{}<br>Spanish: not complete yet (missing: {}).", english, missing)
        return format_html(
            '{}<br>Spanish: {} <a class="button" href="{}?language=es">'
            "Review the Spanish version</a>",
            english,
            self.review_status_es(obj),
            link,
        )

    def get_urls(self):
        name = f"exercises_{self.model._meta.model_name}_review"
        return [
            path(
                "<int:object_id>/review/",
                self.admin_site.admin_view(self.record_review_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    def record_review_view(self, request, object_id: int):
        if not can_record_review(request.user):
            raise PermissionDenied
        item = get_object_or_404(self.get_queryset(request), pk=object_id)
        language = request.POST.get("language") or request.GET.get("language", "en")
        if language not in dict(LANGUAGE_CHOICES):
            language = "en"
        if request.method == "POST":
            form = RecordReviewForm(request.POST)
            if form.is_valid():
                try:
                    review = record_review(
                        item=item,
                        reviewer=request.user,
                        credentials=form.cleaned_data["credentials"],
                        version_read=form.cleaned_data["version"],
                        language=language,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, f"Recorded: {review}.")
                    return redirect(
                        f"admin:exercises_{self.model._meta.model_name}_change", item.pk
                    )
        else:
            last = request.user.content_reviews.first()
            form = RecordReviewForm(
                initial={
                    "credentials": last.credentials if last else "",
                    "version": item.content_version(language),
                    "language": language,
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Record a clinical review of the {dict(LANGUAGE_CHOICES)[language]} "
            f"version: {item}",
            "language": language,
            "item": item,
            "form": form,
            "reviewer_name": request.user.get_full_name(),
            "today": timezone.localdate(),
            "history": item.reviews.all(),
        }
        return TemplateResponse(request, "admin/exercises/record_review.html", context)


@admin.register(Exercise)
class ExerciseAdmin(ReviewedAdmin):
    review_prefetch = ("steps",)
    list_display = [
        "title",
        "category",
        "difficulty",
        "position",
        "status",
        "review_status",
        "review_status_es",
    ]
    list_filter = ["status", "category", "difficulty", "position", ReviewStateFilter]
    search_fields = ["title", "title_es", "slug", "summary", "steps__text"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["easier", "harder"]
    filter_horizontal = ["alternatives"]
    inlines = [StepInline]
    readonly_fields = ["review_panel"]
    save_on_top = True
    # Each text field sits on one line with its Spanish beside it: translators and reviewers read
    # the two side by side.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("title", "title_es"),
                    "slug",
                    "status",
                    ("summary", "summary_es"),
                    ("why_it_helps", "why_it_helps_es"),
                ]
            },
        ),
        ("Who can do it", {"fields": ["category", "difficulty", "position", "equipment"]}),
        (
            "How much",
            {
                "fields": [
                    ("one_repetition", "one_repetition_es"),
                    ("reps", "sets", "hold_seconds", "times_per_day"),
                    ("dosage_note", "dosage_note_es"),
                    ("easier_version", "easier_version_es"),
                    ("progression", "progression_es"),
                ]
            },
        ),
        (
            "Safety and feel",
            {
                "fields": [
                    ("feel", "feel_es"),
                    ("mistakes", "mistakes_es"),
                    ("stop_if", "stop_if_es"),
                    ("precautions", "precautions_es"),
                ]
            },
        ),
        (
            "Picture and video",
            {"fields": ["illustration", ("illustration_alt", "illustration_alt_es"), "video_url"]},
        ),
        ("Related exercises", {"fields": ["easier", "harder", "alternatives"]}),
        (
            "Clinical review",
            {
                "fields": ["review_panel"],
                "description": "Any change to the text or picture makes the page due for review.",
            },
        ),
    ]


@admin.register(Routine)
class RoutineAdmin(ReviewedAdmin):
    list_display = ["title", "minutes", "status", "review_status", "review_status_es"]
    list_filter = ["status", ReviewStateFilter]
    search_fields = ["title", "slug", "summary", "who_for"]
    prepopulated_fields = {"slug": ["title"]}
    review_prefetch = ("items",)
    inlines = [RoutineItemInline]
    readonly_fields = ["review_panel"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("title", "title_es"),
                    "slug",
                    "status",
                    ("summary", "summary_es"),
                    ("who_for", "who_for_es"),
                ]
            },
        ),
        ("When", {"fields": ["minutes", ("how_often", "how_often_es")]}),
        (
            "Clinical review",
            {
                "fields": ["review_panel"],
                "description": "Any change to the text or the exercises makes it due for review.",
            },
        ),
    ]


@admin.register(ContentReview)
class ContentReviewAdmin(ReadOnlyAdmin):
    """The record of reviews: read only. Reviews are recorded from the exercise or routine."""

    list_display = [
        "__str__",
        "language",
        "reviewer_name",
        "credentials",
        "reviewed_on",
        "short_version",
    ]
    list_filter = ["language", "reviewed_on"]
    search_fields = ["reviewer_name", "exercise__title", "routine__title"]
    list_select_related = ["exercise", "routine"]

    @admin.display(description="Version")
    def short_version(self, obj) -> str:
        return obj.content_version[:12]


class ProgrammeItemInline(admin.TabularInline):
    model = ProgrammeItem
    fields = ["order", "exercise", "reps", "sets", "hold_seconds", "times_per_day", "note"]
    autocomplete_fields = ["exercise"]
    extra = 3


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    """A home programme for one patient: staff choose exercises and dosage, then print the sheet
    (the patient's page, with its code) or read the code out. No name or health data is kept."""

    list_display = ["display_code", "created_at", "created_by", "item_count"]
    search_fields = ["code"]
    readonly_fields = ["patient_page", "created_by", "created_at"]
    fields = ["note", "patient_page", "created_by", "created_at"]
    inlines = [ProgrammeItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_total=models.Count("items"))

    @admin.display(description="Code", ordering="code")
    def display_code(self, obj: Programme) -> str:
        return obj.display_code

    @admin.display(description="Exercises", ordering="item_total")
    def item_count(self, obj: Programme) -> int:
        return obj.item_total

    @admin.display(description="The patient's page")
    def patient_page(self, obj: Programme) -> str:
        if not obj.pk:
            return "Save first: the code and the page appear then."
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Open and print the sheet</a> · code {}',
            obj.get_absolute_url(),
            obj.display_code,
        )

    def save_model(self, request, obj: Programme, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
