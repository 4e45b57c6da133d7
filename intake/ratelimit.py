"""Limits kept in Django's cache (shared through Redis in production): form posts and new resumable
uploads (intake.uploads.tus) per client address; tries to open a review letter, and look-ups on the
status page, per client address and per reference.

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
    return _count(_key(scope, request), seconds=seconds)


def _count(key: str, *, seconds: int) -> int:
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


def count_reference(reference: str, scope: str, *, seconds: int) -> int:
    """Count one more try at `reference` (from any address) and return the count in the window."""
    # Hashed, so the cache holds no reference either.
    return _count(
        f"{scope}:" + hashlib.sha256(reference.encode()).hexdigest()[:32], seconds=seconds
    )


def over_letter_limit(request: HttpRequest, reference: str) -> bool:
    """Count this try to open a review letter; True once this client address, or anyone trying this
    reference, has tried more than INTAKE_LETTER_ATTEMPTS times within the window."""
    seconds = settings.INTAKE_LETTER_ATTEMPT_SECONDS
    by_address = count(request, "letter-address", seconds=seconds)
    by_reference = count_reference(reference, "letter-reference", seconds=seconds)
    return max(by_address, by_reference) > settings.INTAKE_LETTER_ATTEMPTS
