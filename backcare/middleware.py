"""Site-wide middleware of the project itself."""

import ipaddress
from collections.abc import Callable
from contextlib import suppress

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ProxiedClientAddress:
    """Behind our reverse proxy (BEHIND_PROXY), the client's address is the proxy's X-Forwarded-For.

    gunicorn passes the proxy's own address as REMOTE_ADDR, so without this every patient would share
    one rate limit, one upload quota and one sign-in lock-out, and the access log would name the
    proxy. The shipped nginx config *sets* the header to the address it saw (never appends a client's
    own value), so the last entry is the only one to trust. Without BEHIND_PROXY the header is ignored:
    a client could write anything in it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.BEHIND_PROXY:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
            # No valid header: a request that did not come through the proxy keeps its peer.
            with suppress(ValueError):
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(forwarded))
        return self.get_response(request)
