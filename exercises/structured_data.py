"""schema.org JSON-LD for exercise and routine pages (MedicalWebPage about an ExercisePlan)."""

from django.conf import settings


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _page(obj, *, plan: dict) -> dict:
    page = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": obj.title,
        "description": obj.summary,
        "url": absolute(obj.get_absolute_url()),
        "inLanguage": "en-US",
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
        "name": exercise.title,
        "description": exercise.summary,
        "exerciseType": exercise.get_category_display(),
        "intensity": exercise.get_difficulty_display(),
        "url": absolute(exercise.get_absolute_url()),
    }
    if reps:
        plan["repetitions"] = reps * (sets or 1)
    if hold_seconds:
        plan["activityDuration"] = f"PT{hold_seconds}S"
    if exercise.times_per_day:
        plan["activityFrequency"] = (
            "Once a day" if exercise.times_per_day == 1 else f"{exercise.times_per_day} times a day"
        )
    return plan


def exercise_jsonld(exercise) -> dict:
    plan = _plan(
        exercise, reps=exercise.reps, hold_seconds=exercise.hold_seconds, sets=exercise.sets
    )
    return _page(exercise, plan=plan)


def routine_jsonld(routine, items) -> dict:
    plan = {
        "@type": "ExercisePlan",
        "name": routine.title,
        "description": routine.summary,
        "activityDuration": f"PT{routine.minutes}M",
        "activityFrequency": routine.how_often,
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
