"""Doing the exercises: the follow-along player, the patient's own history, home programmes.

The player is a page of ours plus `static/js/player.js`: the plan (exercises, steps, holds,
repetitions, sets) is written into the page as JSON, and everything the patient does there (sessions
done, pain scores) stays in their browser's localStorage. Nothing is ever sent back: the server
learns no more from a session than from a page view. A service worker (`sw.js`, scope
`/exercises/`) keeps the player pages the patient opened, so a routine still plays offline.
"""

import json

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from exercises.models import (
    Exercise,
    Programme,
    Routine,
    normalise_programme_code,
)
from exercises.views import _code_version, library_page

# Pacing of the player itself, not dosage: a breath between held repetitions and a rest between
# sets. The patient can pause, or end a rest early, at any time.
RELAX_SECONDS = 3
REST_SECONDS = 30


def _plan_item(exercise: Exercise, item=None) -> dict:
    dosage_from = item if item is not None else exercise
    return {
        "title": exercise.shown.title,
        "url": exercise.get_absolute_url(),
        "image": static(exercise.illustration),
        "alt": exercise.shown.illustration_alt,
        "lang": exercise.shown_language,
        "steps": exercise.step_texts(),
        "dosage": dosage_from.dosage(),
        "reps": dosage_from.resolved("reps"),
        "sets": dosage_from.resolved("sets"),
        "hold": dosage_from.resolved("hold_seconds"),
        "stop_if": exercise.stop_if_list(),
    }


def _plan(title: str, back_url: str, items: list[dict]) -> dict:
    return {
        "title": title,
        "back_url": back_url,
        "relax_seconds": RELAX_SECONDS,
        "rest_seconds": REST_SECONDS,
        "items": items,
    }


def _player_strings() -> dict[str, str]:
    """What player.js says, in the page's language; {name} marks a number or a title it fills in."""
    return {
        "count": _("Exercise {n} of {total}"),
        "sets": _(", set {set} of {sets}"),
        "ready": _("Get into position. Press Start when you are ready."),
        "hold": _("Hold {rep} of {reps}{sets}"),
        "relax": _("Relax"),
        "rest": _("Rest before set {next} of {sets}"),
        "rep": _("Repetition {rep} of {reps}{sets}"),
        "task": _("Do the exercise{sets}. Press Done when you finish."),
        "button_ready": _("Start"),
        "button_next": _("Next"),
        "button_rest": _("Skip the rest"),
        "button_rep": _("Done one"),
        "button_task": _("Done"),
        "of": _("{rep} of {reps}"),
        "resume": _("Resume"),
        "pause": _("Pause"),
        "seconds": _("{text}. {seconds} seconds."),
        "cue_hold": _("Hold for {seconds} seconds"),
        "cue_rest": _("Rest for {seconds} seconds"),
        "cue_reps": _("Start your repetitions"),
        "start_item": _("Exercise {n} of {total}: {title}. {phase}"),
        "paused_away": _("Paused while you were away. Press Resume to go on."),
        "paused": _("Paused."),
        "going_on": _("Going on."),
        "summary": _("You did {done} of {total} exercises."),
        "well_done": _("Well done. You did {done} of {total} exercises."),
    }


def _player(request: HttpRequest, plan: dict, heading: str) -> HttpResponse:
    if not plan["items"]:
        raise Http404("Nothing to play")
    return render(
        request,
        "exercises/player.html",
        {
            "plan": plan,
            "strings": _player_strings(),
            "heading": heading,
            "back_url": plan["back_url"],
            "pain_scale": range(11),
        },
    )


@require_safe
@transaction.non_atomic_requests
@library_page
def routine_player(request: HttpRequest, slug: str) -> HttpResponse:
    routine = get_object_or_404(
        Routine.objects.visible_to(request.user)
        .with_items(request.user)
        .prefetch_related("items__exercise__steps"),
        slug=slug,
    )
    items = [_plan_item(item.exercise, item) for item in routine.items.all()]
    plan = _plan(routine.shown.title, routine.get_absolute_url(), items)
    return _player(request, plan, routine.shown.title)


@require_safe
@transaction.non_atomic_requests
@library_page
def exercise_player(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = get_object_or_404(
        Exercise.objects.visible_to(request.user).prefetch_related("steps"), slug=slug
    )
    title = exercise.shown.title
    plan = _plan(title, exercise.get_absolute_url(), [_plan_item(exercise)])
    return _player(request, plan, title)


# --- Home programmes, opened by their code --------------------------------------------------------


def _programme(code: str) -> Programme:
    return get_object_or_404(
        Programme.objects.prefetch_related("items__exercise__steps"),
        code=normalise_programme_code(code),
    )


# A programme is not library content (no content stamp, no review): never kept by a shared cache,
# so a programme staff change shows at once.
@never_cache
@require_safe
@transaction.non_atomic_requests
def programme_find(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("code", "")
    error = ""
    if typed:
        code = normalise_programme_code(typed)
        if Programme.objects.filter(code=code).exists():
            return redirect("exercises:programme", code=code)
        error = _("We could not find a programme with that code. Check the code on your sheet.")
    return render(request, "exercises/programme_find.html", {"typed": typed[:40], "error": error})


@never_cache
@require_safe
@transaction.non_atomic_requests
def programme(request: HttpRequest, code: str) -> HttpResponse:
    found = _programme(code)
    if found.code != code:
        return redirect("exercises:programme", code=found.code)
    return render(
        request,
        "exercises/programme.html",
        {
            "programme": found,
            "items": list(found.items.all()),
            "page_url": request.build_absolute_uri(found.get_absolute_url()),
            "find_url": request.build_absolute_uri(reverse("exercises:programme_find")),
        },
    )


@never_cache
@require_safe
@transaction.non_atomic_requests
def programme_player(request: HttpRequest, code: str) -> HttpResponse:
    found = _programme(code)
    items = [_plan_item(item.exercise, item) for item in found.items.all()]
    heading = _("Your home programme")
    plan = _plan(heading, found.get_absolute_url(), items)
    return _player(request, plan, heading)


# --- The patient's own history, and the service worker -------------------------------------------


@require_safe
@transaction.non_atomic_requests
def progress(request: HttpRequest) -> HttpResponse:
    strings = {
        "pain": _("Pain {before} before, {after} after."),
        "done": _("{done} of {total} exercises done."),
        "deleted": _("Your history is deleted from this browser."),
    }
    response = render(request, "exercises/progress.html", {"strings": strings})
    patch_cache_control(response, no_cache=True)
    return response


@require_safe
@transaction.non_atomic_requests
def service_worker(request: HttpRequest) -> HttpResponse:
    """The offline worker. Served from /exercises/ so that its scope is the exercise pages only;
    its cache name changes with each release, so an old release's files are dropped."""
    response = render(
        request,
        "exercises/sw.js",
        {
            "cache_name": json.dumps(f"backcare-player-{_code_version()}"),
            "precache": json.dumps(
                [
                    reverse("exercises:progress"),
                    static("js/player.js"),
                    static("js/progress.js"),
                    static("css/site.css"),
                    static("css/exercises.css"),
                    static("vendor/bootstrap/bootstrap.min.css"),
                    static("js/nav.js"),
                    static("img/favicon.svg"),
                ]
            ),
        },
        content_type="text/javascript; charset=utf-8",
    )
    # The browser checks for a new worker on each visit; never let a cache hold an old one.
    patch_cache_control(response, no_cache=True, max_age=0)
    return response
