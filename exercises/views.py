"""The exercise library's public pages.

Every page answers conditional GETs: its ETag and Last-Modified come from the library's content
stamp, so they change when staff save anything in the admin. Public pages are also kept whole in the
cache under their ETag (which names the content version, the code version, the normalised URL and
whether the reader is staff), so a repeat visit costs no query and no template rendering. Parameters
the page does not read are left out of the URL in the key, so a campaign tag or a cache buster is a
repeat visit too. A search or filter seen for the first time is one query; each exercise's card and
the page around the results are rendered once per content version and kept, and a search's results
under its shape, so new plain words that no exercise contains cost no query (`_search_results`).
Repeat visits without cookies to a plain URL are answered before most middleware
(exercises/middleware.py). Staff always get a fresh stamp from the database and are never served
anything kept: they see their edits at once.
"""

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext
from django.views.decorators.http import condition, require_safe

from exercises.forms import LibraryFilterForm
from exercises.models import (
    Exercise,
    Routine,
    any_exercise_contains,
    cached_content_stamp,
    content_language,
    content_stamp,
    library_lexemes,
    library_matches,
    search_query_text,
    search_shape,
)
from exercises.structured_data import absolute, exercise_jsonld, routine_jsonld

pages_cache = caches["pages"]
listings_cache = caches["listings"]


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


def _version(request: HttpRequest) -> str:
    """The content version and the code version: part of every key of a kept page or part."""
    if not hasattr(request, "_library_version"):
        # The page's language too: LocaleMiddleware may answer one URL in English or in Spanish.
        key = f"{_stamp(request)[0]}|{_code_version()}|{get_language()}"
        request._library_version = hashlib.sha256(key.encode()).hexdigest()[:24]
    return request._library_version


def _etag(request: HttpRequest, *args, **kwargs) -> str:
    # Staff see drafts, so their pages are a different representation of the same URL. The URL is
    # the path and the page's own parameters, normalised: any other query string is the same page.
    if not hasattr(request, "_library_etag"):
        url = f"{request.path}?{urlencode(request.page_params)}"
        key = f"{_version(request)}|{request.user.is_staff}|{url}"
        request._library_etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    return request._library_etag


def _last_modified(request: HttpRequest, *args, **kwargs):
    return _stamp(request)[1]


PAGE_CACHE_SECONDS = 3600


def _whole_page_cache(view):
    """The public page as last rendered for this ETag; rendered and kept if there is none.

    Pages without parameters (a finite set per content version) go to the "pages" cache; searches
    and filtered lists, whose URLs anyone can vary, to the bounded per-process "listings" cache, so
    they cannot evict the pages (backcare/settings.py). Only plain 200 answers without cookies are
    kept, as their bytes. Vary: Cookie is added outside, by the session middleware.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_staff:
            return view(request, *args, **kwargs)
        kept = listings_cache if request.page_params else pages_cache
        key = f"exercises:page:{_etag(request)}"
        content = kept.get(key)
        if content is not None:
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            kept.set(key, response.content, PAGE_CACHE_SECONDS)
        return response

    return wrapper


def _no_params(request: HttpRequest) -> dict[str, str]:
    return {}


def library_page(
    view=None,
    *,
    params: Callable[[HttpRequest], dict[str, str]] = _no_params,
    reads: frozenset[str] = frozenset(),
):
    """Conditional GET plus a Cache-Control that makes browsers revalidate (a cheap 304).

    `@library_page` for a page that reads no query parameter (any is ignored);
    `@library_page(params=…, reads=…)` with a function giving the parameters the page depends on,
    normalised (request.page_params), and the names of all it may read: a URL with none of them
    is the plain URL's page (what exercises.middleware.KeptLibraryPages may answer it with).
    """

    def decorate(view):
        conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(
            _whole_page_cache(view)
        )

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            request.page_params = params(request)
            response = conditional(request, *args, **kwargs)
            if request.user.is_staff:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, no_cache=True)
                # The same page for every visitor while the content is this version: what
                # exercises.middleware.KeptLibraryPages may answer a repeat visit with.
                response.kept_library_stamp = _stamp(request)[0]
                response.kept_library_reads = reads
            return response

        return wrapper

    return decorate(view) if view is not None else decorate


# Stand-ins for what differs per request in a kept library frame or card. Postgres text cannot hold
# a NUL and the search form refuses one, so no content and no query can contain them.
QUERY_MARK = "\x00query\x00"
RESULTS_MARK = "\x00results\x00"
MATCH_MARK = "\x00match\x00"


def _kept(request: HttpRequest, key: str, render_part: Callable[[], str]) -> str:
    """A rendered part of the library page, kept per content version; staff previews never are."""
    if request.user.is_staff:
        return render_part()
    key = f"exercises:{_version(request)}:{key}"
    html = listings_cache.get(key)
    if html is None:
        html = render_part()
        listings_cache.set(key, html, PAGE_CACHE_SECONDS)
    return html


def _cards(request: HttpRequest, pks: list[int]) -> list[str]:
    """Each exercise's library card, rendered once per content version and kept with the pages."""
    keys = {pk: f"exercises:card:{_version(request)}:{pk}" for pk in pks}
    found = {} if request.user.is_staff else pages_cache.get_many(keys.values())
    missing = [pk for pk in pks if keys[pk] not in found]
    if missing:
        rendered = {
            keys[exercise.pk]: render_to_string(
                "exercises/_card.html", {"exercise": exercise, "match": MATCH_MARK}
            )
            for exercise in Exercise.objects.for_cards().filter(pk__in=missing)
        }
        if not request.user.is_staff:
            pages_cache.set_many(rendered, PAGE_CACHE_SECONDS)
        found |= rendered
    return [found[keys[pk]] for pk in pks]


def _library_frame(request: HttpRequest, params: dict[str, str]) -> str:
    """The library page around its results, for one set of filters, with or without a search."""
    filters = {k: v for k, v in params.items() if k != "q"}
    has_query = "q" in params

    def render_frame() -> str:
        context = {
            "form": LibraryFilterForm(filters or None),
            "query": QUERY_MARK if has_query else "",
            "filtered": bool(params),
            "results": RESULTS_MARK,
            # The items tell whether each routine's Spanish is complete (its notes).
            "routines": Routine.objects.visible_to(request.user).prefetch_related("items"),
            "canonical_url": absolute(request.path),
        }
        return render_to_string("exercises/library.html", context, request)

    return _kept(request, f"frame:{has_query}:{urlencode(filters)}", render_frame)


def _library_params(request: HttpRequest) -> dict[str, str]:
    return LibraryFilterForm.normalised(request.GET) if request.GET else {}


def _results(request: HttpRequest, params: dict[str, str]) -> str:
    """The list of matching exercises: one query, kept cards. A search's words stand as QUERY_MARK."""
    query = params.get("q", "")
    found = library_matches(
        published_only=not request.user.is_staff,
        filters={k: v for k, v in params.items() if k != "q"},
        words=query,
        language=content_language(),
    )
    cards = []
    for card, exercise in zip(_cards(request, [e.pk for e in found]), found, strict=True):
        # Safe: rendered by our own templates. Why a search matched goes between the two halves.
        start, end = map(mark_safe, card.split(MATCH_MARK))
        cards.append({"start": start, "end": end, "exercise": exercise})
    return render_to_string(
        "exercises/_results.html",
        {
            "exercises": found,
            "cards": cards,
            "query": QUERY_MARK if query else "",
            "filtered": bool(params),
        },
    )


# This process's lexemes of the library, per content version and language (the version names both).
_library_lexemes: dict[str, frozenset[str]] = {}


def _search_results(request: HttpRequest, params: dict[str, str]) -> str:
    """A public search's results, kept under the search's shape (exercises.models.search_shape):
    words that no exercise contains do not change the results, so a search with new words costs
    no query once any search of its shape has run (one cheap query parsing the words, if they are
    not plain words: exercises.search_words)."""
    version = _version(request)
    language = content_language()
    lexemes = _library_lexemes.get(version)
    if lexemes is None:
        if len(_library_lexemes) > 8:
            _library_lexemes.clear()
        lexemes = _library_lexemes[version] = library_lexemes(language)
    shape, absent = search_shape(search_query_text(params["q"], language), lexemes)
    filters = urlencode({k: v for k, v in params.items() if k != "q"})
    digest = hashlib.sha256(f"{filters}|{shape}".encode()).hexdigest()[:32]
    key = f"exercises:{version}:results:{digest}"
    html = listings_cache.get(key)
    if html is None:
        html = _results(request, params)
        # Kept only if the words taken as absent still are, now that the search has run: an edit
        # in another process may have added one before this process's content stamp expired.
        if any_exercise_contains(absent, language):
            _library_lexemes.pop(version, None)
        else:
            listings_cache.set(key, html, PAGE_CACHE_SECONDS)
    return html


@require_safe
@transaction.non_atomic_requests
@library_page(params=_library_params, reads=frozenset(LibraryFilterForm.base_fields))
def library(request: HttpRequest) -> HttpResponse:
    """The matching exercises' kept cards in the kept page around them; a search seen in the same
    shape before costs no query (one cheap query if its words are not plain), any other list one."""
    params = request.page_params
    if "q" in params and not request.user.is_staff:
        results = _search_results(request, params)
    else:
        results = _results(request, params)
    frame = _library_frame(request, params)
    return HttpResponse(
        frame.replace(RESULTS_MARK, results).replace(QUERY_MARK, escape(params.get("q", "")))
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
