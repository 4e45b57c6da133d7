"""Per-client-address limits kept in Django's cache (shared through Redis in production): form posts,
and new resumable uploads (intake.tus). Also the one place that says what the client's address is.

django-ratelimit refuses the local-memory cache that development uses, and this needs only two calls.
"""

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


def client_address(request: HttpRequest) -> str:
    """The address of the browser that sent the request.

    Behind the reverse proxy (BEHIND_PROXY) REMOTE_ADDR is the proxy's own address, the same for
    every patient; the proxy appends the address it saw to X-Forwarded-For (nginx:
    `$proxy_add_x_forwarded_for`), so only that last entry is trusted. Entries before it are whatever
    the client sent and could name any address.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:  # no header: a request that did not come through the proxy
            pass
    return request.META.get("REMOTE_ADDR", "")


def address_hash(request: HttpRequest) -> str:
    """A keyed hash of the client address, for rows that count per address: an IPv4 address has so few
    values that a plain hash of one can be reversed by trying them all."""
    return salted_hmac(
        "intake.ratelimit.address", client_address(request), algorithm="sha256"
    ).hexdigest()


def _key(scope: str, request: HttpRequest) -> str:
    # Hashed, so the cache holds no readable client address.
    address = client_address(request)
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
