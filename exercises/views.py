"""The exercise library's public pages.

Every page answers conditional GETs: its ETag and Last-Modified come from the library's content
stamp, so they change when staff save anything in the admin. Public pages are also kept whole in the
cache under their ETag (which already names the content version, the code version, the URL and
whether the reader is staff), so a repeat visit costs no query and no template rendering. Staff always
get a fresh stamp from the database and are never served a cached page: they see their edits at once.
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, pgettext
from django.views.decorators.http import condition, require_safe

from exercises.forms import LibraryFilterForm
from exercises.models import (
    Exercise,
    Routine,
    cached_content_stamp,
    content_language,
    content_stamp,
)
from exercises.structured_data import absolute, exercise_jsonld, routine_jsonld


@functools.cache
def _code_version() -> str:
    """Changes when a release changes the templates or static files, so old ETags expire."""
    digest = hashlib.sha256()
    app_templates = Path(__file__).parent / "templates"
    for path in sorted([*app_templates.rglob("*.html"), settings.BASE_DIR / "templates/base.html"]):
        digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:12]


def _stamp(request: HttpRequest):
    if not hasattr(request, "_library_stamp"):
        request._library_stamp = (
            content_stamp() if request.user.is_staff else cached_content_stamp()
        )
    return request._library_stamp


def _etag(request: HttpRequest, *args, **kwargs) -> str:
    version, _ = _stamp(request)
    # Staff see drafts, and a page may be English or Spanish (LocaleMiddleware): each is a
    # different representation of the same URL.
    key = (
        f"{version}|{request.user.is_staff}|{get_language()}|{_code_version()}"
        f"|{request.get_full_path()}"
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _last_modified(request: HttpRequest, *args, **kwargs):
    return _stamp(request)[1]


PAGE_CACHE_SECONDS = 3600


def _whole_page_cache(view):
    """The public page as last rendered for this ETag; rendered and kept if there is none.

    Only plain 200 answers without cookies are kept. Vary: Cookie is added outside, by the session
    middleware, on cached and fresh answers alike.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_staff:
            return view(request, *args, **kwargs)
        key = f"exercises:page:{_etag(request)}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.cookies:
                cache.set(key, response, PAGE_CACHE_SECONDS)
        return response

    return wrapper


def library_page(view):
    """Conditional GET plus a Cache-Control that makes browsers revalidate (a cheap 304)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = condition(etag_func=_etag, last_modified_func=_last_modified)(
            _whole_page_cache(view)
        )(request, *args, **kwargs)
        if request.user.is_staff:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, no_cache=True)
        return response

    return wrapper


@require_safe
@transaction.non_atomic_requests
@library_page
def library(request: HttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET or None)
    exercises = Exercise.objects.visible_to(request.user).for_cards().filtered(**form.filters())
    query = form.query()
    if query:
        exercises = exercises.search(query, content_language())
    exercises = list(exercises)
    # The items tell whether each routine's Spanish is complete (its notes), in one more query.
    routines = Routine.objects.visible_to(request.user).prefetch_related("items")
    return render(
        request,
        "exercises/library.html",
        {
            "form": form,
            "query": query,
            "filtered": bool(query or form.filters()),
            "exercises": exercises,
            "routines": routines,
            "canonical_url": absolute(request.path),
        },
    )


def _exercise(request: HttpRequest, slug: str) -> Exercise:
    visible = Exercise.objects.visible_to(request.user)
    return get_object_or_404(
        visible.select_related("easier", "harder").prefetch_related(
            "steps",
            "reviews",
            Prefetch("alternatives", queryset=visible.for_cards()),
        ),
        slug=slug,
    )


def _exercise_context(request: HttpRequest, exercise: Exercise) -> dict:
    def shown(other: Exercise | None) -> Exercise | None:
        return other if other and (other.is_published or request.user.is_staff) else None

    return {
        "exercise": exercise,
        "easier": shown(exercise.easier),
        "harder": shown(exercise.harder),
        "alternatives": list(exercise.alternatives.all()),
        "jsonld": exercise_jsonld(exercise),
        "og_image": absolute(static(exercise.illustration)),
        "canonical_url": absolute(exercise.get_absolute_url()),
    }


@require_safe
@transaction.non_atomic_requests
@library_page
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = _exercise(request, slug)
    return render(request, "exercises/exercise.html", _exercise_context(request, exercise))


@require_safe
@transaction.non_atomic_requests
@library_page
def exercise_print(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = _exercise(request, slug)
    return render(request, "exercises/exercise_print.html", _exercise_context(request, exercise))


def _shared_precautions(items) -> list[tuple[str, str]]:
    """The handout's "take care if" list: one line per exercise, and a line several share said once.

    Kept short so that a routine's handout still fits on one page.
    """
    titles_by_line: dict[str, list[str]] = {}
    for item in items:
        for line in item.exercise.precaution_list():
            titles = titles_by_line.setdefault(line, [])
            if item.exercise.shown.title not in titles:
                titles.append(item.exercise.shown.title)
    own: dict[str, list[str]] = {}
    shared = []
    for line, titles in titles_by_line.items():
        if len(titles) == 1:
            own.setdefault(titles[0], []).append(line)
        else:
            shared.append((", ".join(titles), line))
    return [(title, " ".join(lines)) for title, lines in own.items()] + shared


def _routine_context(request: HttpRequest, slug: str) -> dict:
    routine = get_object_or_404(
        Routine.objects.visible_to(request.user)
        .with_items(request.user)
        .prefetch_related("reviews", "items__exercise__reviews", "items__exercise__steps"),
        slug=slug,
    )
    items = list(routine.items.all())
    return {
        "routine": routine,
        "items": items,
        "precautions": _shared_precautions(items),
        "jsonld": routine_jsonld(routine, items),
        "canonical_url": absolute(routine.get_absolute_url()),
        "days": [
            pgettext("weekday", "Mon"),
            pgettext("weekday", "Tue"),
            pgettext("weekday", "Wed"),
            pgettext("weekday", "Thu"),
            pgettext("weekday", "Fri"),
            pgettext("weekday", "Sat"),
            pgettext("weekday", "Sun"),
        ],
    }


@require_safe
@transaction.non_atomic_requests
@library_page
def routine_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "exercises/routine.html", _routine_context(request, slug))


@require_safe
@transaction.non_atomic_requests
@library_page
def routine_print(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "exercises/routine_print.html", _routine_context(request, slug))
