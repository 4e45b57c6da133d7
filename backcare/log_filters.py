"""Filters for the log handlers in settings.LOGGING."""

import logging


class OneLineClientErrors(logging.Filter):
    """A 4xx answer logged with its exception (a 403 from PermissionDenied on django.request, a
    400 from a suspicious request on django.security.*) keeps its one line and loses the traceback:
    it is the client's doing, not a fault in our code, and a traceback per refusal buries real ones.
    5xx records are left alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
