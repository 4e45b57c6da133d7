"""Values every page's template needs."""

import re

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language


def clinic(request: HttpRequest | None = None) -> dict:
    """The clinic's name, phone (with a tel: link), address, hours and out-of-hours line."""
    details = settings.CLINIC
    return {"clinic": {**details, "phone_link": "tel:" + re.sub(r"[^\d+]", "", details["phone"])}}


def languages(request: HttpRequest | None = None) -> dict:
    """The same page in each language, for hreflang links and the header's language switch.

    Empty for pages with one address only (admin, error pages): only a page that resolves inside
    i18n_patterns has a different URL per language.
    """
    if request is None or request.resolver_match is None:
        return {"language_alternates": []}
    urls = {code: translate_url(request.path, code) for code, _ in settings.LANGUAGES}
    if len(set(urls.values())) < len(urls):
        return {"language_alternates": []}
    current = get_language()
    alternates = [
        {
            "code": code,
            "name": name,
            "url": urls[code],
            # The public address (SITE_URL), not the request's host: the same on every page copy
            # (the empty form page is rendered once per process and language).
            "absolute_url": settings.SITE_URL.rstrip("/") + urls[code],
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]
    return {"language_alternates": alternates}
