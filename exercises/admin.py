import datetime

from django.contrib import admin
from django.utils import timezone

from exercises.models import Exercise, Routine, RoutineItem, Step


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = "clinical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Review overdue"), ("due_30", "Due in the next 30 days")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review__lt=today)
        if self.value() == "due_30":
            return queryset.filter(
                next_review__gte=today, next_review__lte=today + datetime.timedelta(days=30)
            )
        return queryset


class StepInline(admin.TabularInline):
    model = Step
    fields = ["order", "text"]
    extra = 1
    help_text = "Steps show in order of the number. One action a step, in the order the body moves."


class RoutineItemInline(admin.TabularInline):
    model = RoutineItem
    fields = ["order", "exercise", "reps", "sets", "hold_seconds", "note"]
    autocomplete_fields = ["exercise"]
    extra = 1


class ReviewedAdminMixin:
    @admin.display(boolean=True, description="Review overdue", ordering="next_review")
    def review_overdue(self, obj) -> bool:
        return obj.next_review < timezone.localdate()


@admin.register(Exercise)
class ExerciseAdmin(ReviewedAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "category",
        "difficulty",
        "position",
        "status",
        "last_reviewed",
        "next_review",
        "review_overdue",
    ]
    list_filter = ["status", "category", "difficulty", "position", ReviewOverdueFilter]
    search_fields = ["title", "slug", "summary", "steps__text"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["easier", "harder"]
    filter_horizontal = ["alternatives"]
    inlines = [StepInline]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "summary", "why_it_helps"]}),
        ("Who can do it", {"fields": ["category", "difficulty", "position", "equipment"]}),
        (
            "How much",
            {
                "fields": [
                    "one_repetition",
                    ("reps", "sets", "hold_seconds", "times_per_day"),
                    "dosage_note",
                ]
            },
        ),
        ("Safety and feel", {"fields": ["feel", "mistakes", "stop_if", "precautions"]}),
        ("Picture and video", {"fields": ["illustration", "illustration_alt", "video_url"]}),
        ("Related exercises", {"fields": ["easier", "harder", "alternatives"]}),
        (
            "Clinical review",
            {"fields": ["reviewer_name", "reviewer_credentials", "last_reviewed", "next_review"]},
        ),
    ]


@admin.register(Routine)
class RoutineAdmin(ReviewedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "minutes", "status", "last_reviewed", "next_review", "review_overdue"]
    list_filter = ["status", ReviewOverdueFilter]
    search_fields = ["title", "slug", "summary", "who_for"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [RoutineItemInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "summary", "who_for"]}),
        ("When", {"fields": ["minutes", "how_often"]}),
        (
            "Clinical review",
            {"fields": ["reviewer_name", "reviewer_credentials", "last_reviewed", "next_review"]},
        ),
    ]
