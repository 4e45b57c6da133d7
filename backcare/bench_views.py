"""Benchmark baselines for `make bench` (bench/README.md), not product pages: routed by
backcare/urls.py only when BENCHMARK_BASELINE is on (bench/run.py's own server on 127.0.0.1).

Truly bare: no per-request transaction (ATOMIC_REQUESTS would add a connection check, BEGIN and
COMMIT that the pages, themselves `non_atomic_requests`, never run) and no middleware work that the
pages skip (they send their own ETag, so ConditionalGetMiddleware does not hash their body; the
baseline brings a precomputed one for the same reason).
"""

import functools
import hashlib

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

MAX_BYTES = 10 * 1024**2


@functools.lru_cache(maxsize=16)
def _body(size: int) -> tuple[bytes, str]:
    body = b"x" * min(size, MAX_BYTES)
    return body, f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'


@require_safe
@transaction.non_atomic_requests
def bench_bytes(request: HttpRequest, size: int) -> HttpResponse:
    """`size` bytes of HTML and nothing else: the baseline `make bench` compares real pages with.

    Routed only when BENCHMARK_BASELINE is on; it goes through the same middleware as every page.
    """
    body, etag = _body(size)
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["ETag"] = etag
    return response


@csrf_exempt
@transaction.non_atomic_requests
@require_http_methods(["POST"])
def bench_sink(request: HttpRequest) -> HttpResponse:
    """Reads the request body in 1 MB chunks and drops it: the baseline for receiving an upload.

    Routed only when BENCHMARK_BASELINE is on (bench/run.py's own server on 127.0.0.1).
    """
    received = 0
    while chunk := request.read(1024**2):
        received += len(chunk)
    return HttpResponse(str(received), content_type="text/plain")
