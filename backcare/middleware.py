"""Outages that are ours, not the patient's: the database gone or the disk full.

Without this a request hitting either gets the generic 500 page. With it, it gets a 503 (with
Retry-After, so monitors and proxies know it is temporary) and a page that says plainly that nothing
was kept and to send again. Nothing is half-kept either way: the intake service removes the files it
wrote when its transaction fails (intake.services).
"""

import errno
import logging
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def is_outage(exception: BaseException) -> bool:
    if isinstance(exception, OperationalError | InterfaceError):
        return True
    return isinstance(exception, OSError) and exception.errno in DISK_FULL


class ServiceUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_outage(exception):
            return None
        # The exception's class only: its message can quote a query or a file name.
        logger.error("Service unavailable (%s) on %s", type(exception).__name__, request.path)
        response = render(request, "503.html", status=HTTPStatus.SERVICE_UNAVAILABLE)
        response["Retry-After"] = "30"
        return response
