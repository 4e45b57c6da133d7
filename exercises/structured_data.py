"""schema.org JSON-LD for exercise and routine pages (MedicalWebPage about an ExercisePlan)."""

from django.conf import settings
from django.utils.translation import ngettext


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _page(obj, *, plan: dict) -> dict:
    page = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": obj.shown.title,
        "description": obj.shown.summary,
        "url": absolute(obj.get_absolute_url()),
        "inLanguage": "es-US" if obj.shown_language == "es" else "en-US",
        "audience": {"@type": "MedicalAudience", "audienceType": "Patient"},
        "about": {"@type": "MedicalCondition", "name": "Low back pain"},
        "dateModified": obj.updated_at.isoformat(),
        "mainEntity": plan,
    }
    # Only a review recorded by a clinician for this very version of the text is claimed.
    if review := obj.current_review:
        page["lastReviewed"] = review.reviewed_on.isoformat()
        page["reviewedBy"] = {
            "@type": "Person",
            "name": review.reviewer_name,
            "jobTitle": review.credentials,
        }
    return page


def _plan(exercise, *, reps, hold_seconds, sets) -> dict:
    plan = {
        "@type": "ExercisePlan",
        "name": exercise.shown.title,
        "description": exercise.shown.summary,
        "exerciseType": exercise.get_category_display(),
        "intensity": exercise.get_difficulty_display(),
        "url": absolute(exercise.get_absolute_url()),
    }
    if reps:
        plan["repetitions"] = reps * (sets or 1)
    if hold_seconds:
        plan["activityDuration"] = f"PT{hold_seconds}S"
    if exercise.times_per_day:
        plan["activityFrequency"] = ngettext(
            "Once a day", "%(n)d times a day", exercise.times_per_day
        ) % {"n": exercise.times_per_day}
    return plan


def exercise_jsonld(exercise) -> dict:
    plan = _plan(
        exercise, reps=exercise.reps, hold_seconds=exercise.hold_seconds, sets=exercise.sets
    )
    return _page(exercise, plan=plan)


def routine_jsonld(routine, items) -> dict:
    plan = {
        "@type": "ExercisePlan",
        "name": routine.shown.title,
        "description": routine.shown.summary,
        "activityDuration": f"PT{routine.minutes}M",
        "activityFrequency": routine.shown.how_often,
        "hasPart": [
            _plan(
                item.exercise,
                reps=item.reps if item.reps is not None else item.exercise.reps,
                hold_seconds=(
                    item.hold_seconds
                    if item.hold_seconds is not None
                    else item.exercise.hold_seconds
                ),
                sets=item.sets if item.sets is not None else item.exercise.sets,
            )
            for item in items
        ],
    }
    return _page(routine, plan=plan)
