"""Repeat visits to the library's plain pages, answered before the rest of the middleware runs.

A page of the library that a visitor without cookies asks for at its plain URL (no query string)
is the same bytes and headers for every such visitor until the content changes: the view keeps it
whole already (exercises/views.py), but sessions, the language, CSRF, authentication and the other
middleware still ran around that. This middleware sits just inside the security headers (settings:
after SecurityMiddleware, the CSP and WhiteNoise, which still run on its answer): on the way out it
keeps such a page with the headers the inner middleware gave it, under the content stamp it was
rendered with; on the way in it answers the same URL with them while that stamp is current, as
Django's cache middleware does. Anything else goes through the whole stack: any cookie (staff,
a session, messages), a query string, HEAD, a conditional GET (the 304 path), a stale stamp.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from exercises.models import cached_content_stamp
from exercises.views import _code_version

PAGE_SECONDS = 3600
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH")


def _plain(request: HttpRequest) -> bool:
    meta = request.META
    return (
        request.method == "GET"
        and not meta.get("QUERY_STRING")
        and not meta.get("HTTP_COOKIE")
        and not any(header in meta for header in CONDITIONAL)
    )


class KeptLibraryPages:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.pages = caches["pages"]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _plain(request):
            return self.get_response(request)
        # As CommonMiddleware would: a Host that is not allowed is refused, kept page or not.
        request.get_host()
        # The language as LocaleMiddleware picks it: the URL's prefix, else the default language
        # (i18n_patterns with prefix_default_language=False); a page is kept only if they agree.
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        key = f"exercises:plain:{_code_version()}:{language}:{request.path}"
        kept = self.pages.get(key)
        if kept is not None:
            stamp, headers, content = kept
            if stamp == cached_content_stamp()[0]:
                return HttpResponse(content, headers=headers)
        response = self.get_response(request)
        stamp = getattr(response, "kept_library_stamp", None)
        if (
            stamp is not None
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and response.get("Content-Language") == language
        ):
            self.pages.set(key, (stamp, dict(response.items()), response.content), PAGE_SECONDS)
        return response
