"""Per-client-address limits kept in Django's cache (shared through Redis in production): form posts,
and new resumable uploads (intake.uploads.tus).

django-ratelimit refuses the local-memory cache that development uses, and this needs only two calls.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


def _address(request: HttpRequest) -> str:
    # Behind the reverse proxy, backcare.middleware.ProxiedClientAddress has put the client's own
    # address here.
    return request.META.get("REMOTE_ADDR", "")


def address_hash(request: HttpRequest) -> str:
    """A keyed hash of the client address, for rows that count per address: an IPv4 address has so few
    values that a plain hash of one can be reversed by trying them all."""
    return salted_hmac(
        "intake.ratelimit.address", _address(request), algorithm="sha256"
    ).hexdigest()


def _key(scope: str, request: HttpRequest) -> str:
    # Hashed, so the cache holds no readable client address.
    address = _address(request)
    return f"{scope}:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def count(request: HttpRequest, scope: str, *, seconds: int) -> int:
    """Count one more event of `scope` from this client address and return the count in the window."""
    key = _key(scope, request)
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        return 1


def over_limit(request: HttpRequest) -> bool:
    """Count this post; True once the address has posted more than the limit within the window."""
    posts = count(request, "intake-posts", seconds=settings.INTAKE_RATE_LIMIT_SECONDS)
    return posts > settings.INTAKE_RATE_LIMIT_POSTS
