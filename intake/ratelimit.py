"""A per-client-address limit on form posts, kept in Django's cache (shared through Redis in production).

django-ratelimit refuses the local-memory cache that development uses, and this needs only two calls.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _key(request: HttpRequest) -> str:
    # Hashed, so the cache holds no readable client address.
    address = request.META.get("REMOTE_ADDR", "")
    return "intake-posts:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def over_limit(request: HttpRequest) -> bool:
    """Count this post; True once the address has posted more than the limit within the window."""
    key = _key(request)
    cache.add(key, 0, timeout=settings.INTAKE_RATE_LIMIT_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.INTAKE_RATE_LIMIT_SECONDS)
        count = 1
    return count > settings.INTAKE_RATE_LIMIT_POSTS
