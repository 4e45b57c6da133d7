"""Repeat visits to the library's plain pages, answered before the rest of the middleware runs.

A page of the library that a visitor without cookies asks for at its plain URL (no query string,
or only parameters the page does not read: a shared link's `utm_source`, a `fbclid`) is the same
bytes and headers for every such visitor until the content changes: the view keeps it
whole already (exercises/views.py), but sessions, the language, CSRF, authentication and the other
middleware still ran around that. This middleware sits just inside the security headers (settings:
after SecurityMiddleware, the CSP and WhiteNoise, which still run on its answer): on the way out it
keeps such a page with the headers the inner middleware gave it, under the content stamp it was
rendered with; on the way in it answers the same URL with them while that stamp is current, as
Django's cache middleware does. A conditional GET is answered as the view answers it: the page, or a 304 with the headers
of the last 304 the whole stack gave for that URL. Anything else goes through the whole stack: any
cookie (staff, a session, messages), a parameter the page reads (the view says which:
`kept_library_reads`), HEAD, If-Match, a stale stamp.
"""

import functools
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from exercises.models import cached_content_stamp
from exercises.views import _code_version

PAGE_SECONDS = 3600
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


def _cookieless_get(request: HttpRequest) -> bool:
    meta = request.META
    return (
        request.method == "GET"
        and not meta.get("HTTP_COOKIE")
        # Preconditions that may answer 412 are left to the view.
        and "HTTP_IF_MATCH" not in meta
        and "HTTP_IF_UNMODIFIED_SINCE" not in meta
    )


@functools.cache
def _library_prefixes() -> tuple[str, ...]:
    """Where the library's pages live, in each language: other URLs pass by untouched."""
    prefixes = set()
    for language, _ in settings.LANGUAGES:
        with translation.override(language):
            prefixes.add(reverse("exercises:library"))
    return tuple(prefixes)


class KeptLibraryPages:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.pages = caches["pages"]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (_cookieless_get(request) and request.path.startswith(_library_prefixes())):
            return self.get_response(request)
        # The parameters' names as the view reads them (QueryDict decodes them the same way).
        names = set(request.GET) if request.META.get("QUERY_STRING") else set()
        # As CommonMiddleware would: a Host that is not allowed is refused, kept page or not.
        request.get_host()
        # The language as LocaleMiddleware picks it: the URL's prefix, else the default language
        # (i18n_patterns with prefix_default_language=False); a page is kept only if they agree.
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        key = f"exercises:kept:{_code_version()}:{language}:{request.path}"
        conditional = any(header in request.META for header in CONDITIONAL)
        kept = self.pages.get(key)
        if (
            kept is not None
            and kept["stamp"] == cached_content_stamp()[0]
            and not names & kept["reads"]
        ):
            headers = kept[200]
            if not conditional:
                return HttpResponse(kept["content"], headers=headers)
            # The view's own answer to If-None-Match / If-Modified-Since, with its 304's headers.
            last_modified = headers.get("Last-Modified")
            matched = get_conditional_response(
                request,
                etag=headers.get("ETag"),
                last_modified=parse_http_date_safe(last_modified) if last_modified else None,
            )
            if matched is None:
                return HttpResponse(kept["content"], headers=headers)
            if matched.status_code == 304 and 304 in kept:
                return HttpResponseNotModified(headers=kept[304])
        response = self.get_response(request)
        stamp = getattr(response, "kept_library_stamp", None)
        if (
            stamp is None
            or names & response.kept_library_reads
            or response.streaming
            or response.cookies
            or response.get("Content-Language") != language
        ):
            return response
        if response.status_code == 200 and not conditional:
            kept = {
                "stamp": stamp,
                "reads": response.kept_library_reads,
                200: dict(response.items()),
                "content": response.content,
            }
            self.pages.set(key, kept, PAGE_SECONDS)
        elif response.status_code == 304 and kept is not None and kept["stamp"] == stamp:
            self.pages.set(key, {**kept, 304: dict(response.items())}, PAGE_SECONDS)
        return response
