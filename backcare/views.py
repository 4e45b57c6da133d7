import errno
import logging
import sys
from http import HTTPStatus

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# A full disk, or storage that did not keep the bytes it was given (intake.uploads.storage.NotSaved is EIO).
STORAGE_FAILED = {errno.ENOSPC, errno.EDQUOT, errno.EIO}


def is_outage(exception: BaseException | None) -> bool:
    """The database gone or storage full or failing: ours to fix, and temporary."""
    if isinstance(exception, OperationalError | InterfaceError):
        return True
    return isinstance(exception, OSError) and exception.errno in STORAGE_FAILED


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. An outage gets a 503 (with Retry-After, so monitors and proxies know it is
    temporary) and a page that says nothing was kept and to send again; anything else, our 500.

    A handler rather than a middleware, because the session, authentication and sign-in middleware
    reach the database before any view does. Django calls it inside its `except` block, so
    sys.exc_info() holds the exception. Nothing is half-kept either way: the intake service removes
    the files it wrote when its transaction fails.
    """
    exception = sys.exc_info()[1]
    if is_outage(exception):
        return _outage(request, exception)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400. The session middleware reports a session it could not save as a bad request
    (SessionInterrupted, raised while handling the store's UpdateError); when the database was the
    cause further down that chain, it is an outage too."""
    cause = exception.__context__
    while cause is not None:
        if is_outage(cause):
            return _outage(request, cause)
        cause = cause.__context__
    return defaults.bad_request(request, exception)


def _outage(request: HttpRequest, exception: BaseException) -> HttpResponse:
    # The exception's class only: its message can quote a query or a file name.
    logger.error("Service unavailable (%s) on %s", type(exception).__name__, request.path)
    response = HttpResponse(
        loader.get_template("503.html").render(), status=HTTPStatus.SERVICE_UNAVAILABLE
    )
    response["Retry-After"] = "30"
    return response


@require_safe
@never_cache
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not: for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse(
            {"status": "error", "database": "unavailable"}, status=HTTPStatus.SERVICE_UNAVAILABLE
        )
    return JsonResponse({"status": "ok", "database": "ok"})
