"""Resumable uploads: a tus 1.0.0 server (core, creation, expiration, termination, checksum).

The browser (Uppy) sends each MRI file here in chunks, and the form then posts only the ids of the
completed uploads. The chunks wait under `staging/` in private storage: on local disk written
straight into the upload's one file, on a bucket each as its own part, so consecutive chunks may
reach different web processes (or, with a bucket, machines; see `intake.uploads.staging`); the row
in `StagedUpload` holds the offset. Files wait there until the form is submitted, when
`submit_review_request` attaches them; unclaimed ones expire.

Who may touch an upload: only the browser session that created it. The session holds a random owner
secret and the row holds its SHA-256, so other sessions get 404 (not 403: they must not even learn the
id exists). The id in the URL is 256 random bits and is never the only key.

Why these views are CSRF-exempt, and why that is safe: tus clients send no CSRF token (tuspy and
Uppy's defaults do not), so Django's check would refuse them. Instead:
- every request but OPTIONS must carry the `Tus-Resumable` header, and PATCH its own content type
  `application/offset+octet-stream`. A page on another site cannot send either without a CORS
  preflight, and we answer no preflight (no `Access-Control-Allow-*` headers), so the browser never
  sends the real request. This is the "custom request header" CSRF defence;
- the session cookie is `SameSite=Lax`, so a cross-site fetch does not carry it anyway;
- an `Origin` or `Sec-Fetch-Site` header that names another site is refused with 403 outright;
- the worst a forged request could do is add a file to the victim's own session; it can never read
  or attach anyone's upload, and nothing is attached without the patient's CSRF-protected form post.
"""

import base64
import binascii
import datetime
import hashlib
import html
import logging
import secrets
from collections.abc import Callable, Iterator
from functools import partial, wraps
from http import HTTPStatus

import psycopg.errors
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import http_date
from django.utils.translation import gettext, ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from backcare.views import is_outage
from intake import ratelimit, rules
from intake.enums import ImagingPlan
from intake.models import StagedUpload, StagedUploadStatus
from intake.uploads import staging
from intake.uploads.handlers import BODY_PIECE, SKIP_REASONS, size_text
from intake.uploads.screening import screen_file

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,expiration,termination,checksum"
# tuspy sends sha1 (its only choice); sha256 for clients that can.
CHECKSUM_ALGORITHMS = {"sha1": 20, "sha256": 32}
CONTENT_TYPE = "application/offset+octet-stream"
OWNER_SESSION_KEY = "intake_upload_owner"
# Status for a wrong Upload-Checksum, from the tus checksum extension.
CHECKSUM_MISMATCH = 460


# --- Ownership ------------------------------------------------------------------------------------


def ensure_owner(request: HttpRequest) -> str:
    """The hash that marks this session's uploads; creates the session's secret on first use.

    Only an upload starts a session: the form page writes none, so visitors and robots that only
    look leave no session row behind. The dashboard asks `upload_session` once before its first
    upload, because Uppy then sends several creations at once and, with no cookie yet, each would
    start a session of its own (the browser keeps the last cookie, and the form would see only that
    session's files).
    """
    secret = request.session.get(OWNER_SESSION_KEY)
    if not secret:
        secret = secrets.token_hex(32)
        request.session[OWNER_SESSION_KEY] = secret
    return _hash(secret)


def session_owner(request: HttpRequest) -> str | None:
    secret = request.session.get(OWNER_SESSION_KEY)
    return _hash(secret) if secret else None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _expiry_hours() -> int:
    return settings.INTAKE_TUS_EXPIRY_HOURS


# --- Responses ------------------------------------------------------------------------------------


def _response(status: int = HTTPStatus.NO_CONTENT, text: str = "", **headers: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    # Offsets change with every chunk: a cached HEAD would make a client resend or skip bytes.
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _expires(staged: StagedUpload) -> str:
    return http_date(staged.expires_at.timestamp())


def _options() -> HttpResponse:
    return _response(
        Tus_Version=TUS_VERSION,
        Tus_Extension=EXTENSIONS,
        Tus_Max_Size=str(rules.max_file_size()),
        Tus_Checksum_Algorithm=",".join(CHECKSUM_ALGORITHMS),
    )


def _cross_site(request: HttpRequest) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if origin and origin != f"{request.scheme}://{request.get_host()}":
        return origin not in settings.CSRF_TRUSTED_ORIGINS
    return False


def tus_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The checks every tus request passes: OPTIONS answered, protocol version, same origin."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            return _options()
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            return _response(HTTPStatus.PRECONDITION_FAILED, Tus_Version=TUS_VERSION)
        if _cross_site(request):
            return _response(HTTPStatus.FORBIDDEN, "Uploads are accepted from this site only.")
        return view(request, *args, **kwargs)

    return wrapper


def in_page_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A refusal in the language of the page that sent the file. The tus and session URLs have no
    /es/ (nginx's limits match them), so LocaleMiddleware gives English; the dashboard sends its
    page's language as Accept-Language (upload-dashboard.js), which is read here."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    return wrapper


def _not_accepted(file_name: str, reason: str) -> str:
    """The plain form's sentence for a refused file (intake.request.forms), in the active language."""
    return gettext("“%(name)s” was not accepted: %(reason)s.") % {
        "name": file_name,
        "reason": reason,
    }


# --- Creation -------------------------------------------------------------------------------------


def _file_name(metadata_header: str) -> str:
    """Only the file's name is read from Upload-Metadata, and only its cleaned form is kept.

    HTML character references are decoded first, as Django's multipart parser does for a file sent
    with the plain form, so the same name sent either way is kept as the same text."""
    for pair in metadata_header.split(","):
        key, _, value = pair.strip().partition(" ")
        if key in ("filename", "name") and value:
            try:
                decoded = base64.b64decode(value).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                break
            return rules.clean_file_name(html.unescape(decoded))
    return rules.clean_file_name("")


# --- Quotas ---------------------------------------------------------------------------------------
# Staged bytes wait a day for their form, so creations are bounded before a byte arrives, on the
# declared Upload-Length: per session (the form's own limits), per client address (new uploads an
# hour, staged bytes at once) and for the whole staging area. A refusal's body is the sentence the
# dashboard shows; 429 and 507 are not retried by it (upload-dashboard.js).

CREATIONS_SCOPE = "intake-tus-creations"
CREATIONS_WINDOW_SECONDS = 3600
# Key of the Postgres advisory lock that serialises creations (any constant; unique in this project).
CREATION_LOCK = 0x5374_6167  # "Stag"
STAGING_REASONS = {
    "creations": lambda: (
        ngettext(
            "we accept at most %(count)s new file an hour from one internet connection. Please try "
            "again in an hour",
            "we accept at most %(count)s new files an hour from one internet connection. Please try "
            "again in an hour",
            rules.staging_max_creations_per_address(),
        )
        % {"count": rules.staging_max_creations_per_address()}
    ),
    "address_bytes": lambda: (
        gettext(
            "the files uploaded from your internet connection and not yet sent with a form already "
            "add up to %(size)s, the most we hold for one connection. Please send your form with the "
            "files already uploaded; we will ask you for more if we need them"
        )
        % {"size": size_text(rules.staging_max_bytes_per_address())}
    ),
    "full": lambda: (
        gettext(
            "our upload area is full just now. Please try again in a few hours, or send the form and "
            "choose “%(send_cd)s”"
        )
        % {"send_cd": ImagingPlan.SEND_CD.label}
    ),
}


def _not_uploaded(status: int, file_name: str, reason: str, **headers: str) -> HttpResponse:
    text = gettext("“%(name)s” was not uploaded: %(reason)s.") % {
        "name": file_name,
        "reason": reason,
    }
    return _response(status, text, **headers)


def _too_many_creations(request: HttpRequest) -> bool:
    """Counts one more creation from the client address; True once past the hourly limit.

    A cache counter (intake.ratelimit), not rows: refused attempts count too, and they leave no row.
    """
    started = ratelimit.count(request, CREATIONS_SCOPE, seconds=CREATIONS_WINDOW_SECONDS)
    return started > rules.staging_max_creations_per_address()


def _session_reason(request: HttpRequest, length: int) -> str | None:
    """Why this session may not stage `length` more bytes: the form's own limits, on declared sizes."""
    owner = session_owner(request)
    if owner is None:  # a new session holds nothing yet
        return None
    mine = StagedUpload.objects.owned_by(owner).live().exclude(status=StagedUploadStatus.SKIPPED)
    if mine.count() >= rules.max_files():
        return SKIP_REASONS["count"]()
    if mine.declared_bytes() + length > rules.max_request_size():
        return SKIP_REASONS["request_size"]()
    return None


def _over_quota(
    request: HttpRequest, client: str, length: int, file_name: str
) -> HttpResponse | None:
    """The limits counted in Postgres; call it under CREATION_LOCK."""
    if reason := _session_reason(request, length):
        return _response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _not_accepted(file_name, reason))
    from_address = StagedUpload.objects.filter(client=client).declared_bytes()
    if from_address + length > rules.staging_max_bytes_per_address():
        return _not_uploaded(
            HTTPStatus.TOO_MANY_REQUESTS, file_name, STAGING_REASONS["address_bytes"]()
        )
    staging_bytes = StagedUpload.objects.staging_bytes()
    if staging_bytes + length > rules.staging_max_total_bytes():
        logger.warning("Staging area full (%d bytes): an upload was refused", staging_bytes)
        return _not_uploaded(HTTPStatus.INSUFFICIENT_STORAGE, file_name, STAGING_REASONS["full"]())
    return None


@require_POST
@in_page_language
def upload_session(request: HttpRequest) -> HttpResponse:
    """Starts the browser's upload session (see `ensure_owner`); the dashboard calls it once before
    its first upload, with the form's CSRF token (a browser call, not part of tus). Counted as a
    creation, so it cannot be used to write session rows without bound."""
    if _too_many_creations(request):
        return _response(
            HTTPStatus.TOO_MANY_REQUESTS,
            gettext("Your files were not uploaded: %(reason)s.")
            % {"reason": STAGING_REASONS["creations"]()},
            Retry_After=str(CREATIONS_WINDOW_SECONDS),
        )
    ensure_owner(request)
    return _response()


@csrf_exempt
@transaction.non_atomic_requests
@require_http_methods(["OPTIONS", "POST"])
@tus_view
@in_page_language
def uploads(request: HttpRequest) -> HttpResponse:
    """Creation: POST with Upload-Length (and Upload-Metadata) makes a new, empty upload."""
    if "Upload-Defer-Length" in request.headers:
        return _response(HTTPStatus.BAD_REQUEST, "Upload-Defer-Length is not supported.")
    try:
        length = int(request.headers.get("Upload-Length", ""))
    except ValueError:
        return _response(HTTPStatus.BAD_REQUEST, "Upload-Length is required.")
    if length < 0:
        return _response(HTTPStatus.BAD_REQUEST, "Upload-Length must not be negative.")
    file_name = _file_name(request.headers.get("Upload-Metadata", ""))
    if _too_many_creations(request):
        return _not_uploaded(
            HTTPStatus.TOO_MANY_REQUESTS,
            file_name,
            STAGING_REASONS["creations"](),
            Retry_After=str(CREATIONS_WINDOW_SECONDS),
        )
    if length > rules.max_file_size():
        return _response(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            _not_accepted(file_name, SKIP_REASONS["file_size"]()),
        )
    if length == 0:
        return _refused(file_name, rules.refusal_reason(b""))
    client = ratelimit.address_hash(request)
    with transaction.atomic():
        # The quotas read sums, then insert: without one lock, a script's hundred parallel
        # creations would all pass on the same sums. A creation takes milliseconds under it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CREATION_LOCK])
        if refusal := _over_quota(request, client, length, file_name):
            return refusal
        # Nothing is written to storage yet: each chunk becomes its own part (see intake.uploads.staging).
        staged = StagedUpload.objects.create(
            # The session starts only now, for an upload that passed every check.
            owner=ensure_owner(request),
            client=client,
            file_name=file_name,
            length=length,
            expires_at=timezone.now() + datetime.timedelta(hours=_expiry_hours()),
        )
    return _response(
        HTTPStatus.CREATED,
        Location=request.build_absolute_uri(reverse("intake:tus_upload", args=[staged.key])),
        Upload_Expires=_expires(staged),
    )


# --- One upload: HEAD, PATCH, DELETE --------------------------------------------------------------


def _owned(request: HttpRequest, key: str, *, lock: bool = False) -> StagedUpload | None:
    owner = session_owner(request)
    if owner is None:
        return None
    rows = StagedUpload.objects.owned_by(owner).filter(key=key)
    if lock:
        # NOWAIT: a second PATCH on the same upload while one is being kept gets 409 at once (the
        # client asks for the offset and goes on), instead of both writing the same part. Works
        # across processes and machines. The lock is only held after the body has arrived.
        rows = rows.select_for_update(nowait=True)
    return rows.first()


@csrf_exempt
@transaction.non_atomic_requests
@require_http_methods(["OPTIONS", "HEAD", "PATCH", "DELETE"])
@tus_view
@in_page_language
def upload(request: HttpRequest, key: str) -> HttpResponse:
    if request.method == "PATCH":
        return _patch(request, key)
    staged = _owned(request, key)
    if staged is None:
        return _response(HTTPStatus.NOT_FOUND)
    if request.method == "DELETE":
        staging.delete(staged.staging_name)
        staged.delete()
        return _response()
    if staged.is_expired:
        return _response(HTTPStatus.GONE)
    return _response(
        HTTPStatus.OK,
        Upload_Offset=str(staged.offset),
        Upload_Length=str(staged.length),
        Upload_Expires=_expires(staged),
    )


def _checksum(header: str) -> tuple[str, bytes] | HttpResponse | None:
    if not header:
        return None
    algorithm, _, encoded = header.partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        return _response(HTTPStatus.BAD_REQUEST, "Unsupported checksum algorithm.")
    try:
        digest = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != CHECKSUM_ALGORITHMS[algorithm]:
        return _response(HTTPStatus.BAD_REQUEST, "Upload-Checksum is not a valid digest.")
    return algorithm, digest


def _body(request: HttpRequest, length: int) -> Iterator[bytes]:
    """The request body in bounded pieces; never `request.body`, which would hold it all."""
    remaining = length
    while remaining:
        try:
            piece = request.read(min(BODY_PIECE, remaining))
        except OSError as error:  # UnreadablePostError, gunicorn's NoMoreData
            raise staging.ClientGone from error
        if not piece:
            raise staging.ClientGone
        remaining -= len(piece)
        yield piece


def _patch(request: HttpRequest, key: str) -> HttpResponse:
    """Receive the chunk first, then lock, check the offset and keep it.

    The body is read with no transaction open and no row lock held: a phone on a bad line (or an
    attacker sending a byte every few seconds) may take minutes over a chunk, and a transaction held
    that long would sit "idle in transaction" on the upload's row. Only the last step, which waits
    on nothing but our own storage, runs under the row lock. On local disk the body goes straight
    into the upload's file as it arrives (`_write_in_place`); on a bucket into a temporary file,
    then kept as its part.
    """
    if request.content_type != CONTENT_TYPE:
        return _response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"Content-Type must be {CONTENT_TYPE}.")
    try:
        offset = int(request.headers["Upload-Offset"])
        length = int(request.headers["Content-Length"])
    except (KeyError, ValueError):
        return _response(HTTPStatus.BAD_REQUEST, "Upload-Offset and Content-Length are required.")
    if offset < 0 or length < 0:
        return _response(
            HTTPStatus.BAD_REQUEST, "Upload-Offset and Content-Length must not be negative."
        )
    checksum = _checksum(request.headers.get("Upload-Checksum", ""))
    if isinstance(checksum, HttpResponse):
        return checksum
    # Checked once without a lock so a wrong request is refused before its body is read, and
    # again under the lock below, where it counts.
    staged = _owned(request, key)
    refusal = _refuse_chunk(staged, offset, length)
    if refusal is not None:
        return refusal
    try:
        if staging.writes_in_place(staged.staging_name, offset):
            return _write_in_place(request, key, staged.staging_name, offset, length, checksum)
        with staging.receive(_body(request, length), checksum=checksum) as chunk:
            return _keep(request, key, offset, chunk)
    except staging.Superseded:
        return _refuse_chunk(_owned(request, key), offset, length) or _response(
            HTTPStatus.CONFLICT, "Another request is writing to this upload."
        )
    except staging.ChecksumMismatch:
        return _response(CHECKSUM_MISMATCH, "Checksum mismatch: the chunk was not kept.")
    except staging.ClientGone:
        # With a checksum nothing of this chunk was kept; the client resumes from HEAD's offset.
        return _response(HTTPStatus.BAD_REQUEST, "The connection dropped mid-chunk.")
    except OSError as error:
        if not is_outage(error):
            raise
        # A full disk, or a part that did not land whole (NotSaved): nothing of the chunk was kept
        # and the offset stays (the row's transaction rolled back). tus clients retry a 5xx, after
        # Retry-After here.
        logger.error("tus chunk not kept: storage failed (%s)", type(error).__name__)
        return _response(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "The chunk was not saved: please wait a minute and send it again.",
            Retry_After="30",
        )


def _write_in_place(
    request: HttpRequest,
    key: str,
    name: str,
    offset: int,
    length: int,
    checksum: tuple[str, bytes] | None,
) -> HttpResponse:
    """Local disk: the body goes straight into the upload's one file as it arrives, under a file
    lock taken a piece at a time, never the row lock (`staging.InPlace`); the row's offset is
    committed under its lock only once the chunk is on disk, and on any failure the file is cut
    back to the row's committed offset. A second PATCH at the same offset takes over: the first
    gets 409."""

    def committed() -> int | None:
        current = _owned(request, key)
        if current is None or current.is_expired or current.status != StagedUploadStatus.RECEIVING:
            return None
        return current.offset

    with staging.writing(name, offset, committed) as chunk:
        if not chunk.claim():
            raise staging.Superseded
        chunk.receive(_body(request, length), checksum=checksum)
        return chunk.keep(partial(_keep, request, key, offset))


def _refuse_chunk(staged: StagedUpload | None, offset: int, length: int) -> HttpResponse | None:
    if staged is None:
        return _response(HTTPStatus.NOT_FOUND)
    if staged.is_expired:
        return _response(HTTPStatus.GONE)
    if staged.status != StagedUploadStatus.RECEIVING or offset != staged.offset:
        return _response(HTTPStatus.CONFLICT, Upload_Offset=str(staged.offset))
    if offset + length > staged.length:
        return _response(HTTPStatus.BAD_REQUEST, "The chunk goes past Upload-Length.")
    return None


def _keep(
    request: HttpRequest, key: str, offset: int, chunk: TemporaryUploadedFile | staging.InPlace
) -> HttpResponse:
    """Under the row lock: the offset must still be the one the chunk was sent for (another PATCH
    on the same upload may have been kept meanwhile: 409, and this chunk is dropped). A chunk
    received apart is kept now as its part; one written in place is on disk already."""
    try:
        with transaction.atomic():
            staged = _owned(request, key, lock=True)
            refusal = _refuse_chunk(staged, offset, chunk.size)
            if refusal is not None:
                return refusal
            if not isinstance(chunk, staging.InPlace):
                staging.keep(staged.staging_name, offset, chunk)
            try:
                staged.offset += chunk.size
                refusal = _check_kind(staged, before=offset, chunk=chunk)
                if refusal is not None:
                    return refusal
                staged.save(update_fields=["offset", "status", "kind", "sha256"])
            except BaseException:
                # Still under the row lock: what this chunk left past the row's offset goes now
                # (a full disk while joining the parts must leave the disk as it was).
                staging.discard_from(staged.staging_name, offset)
                raise
    except OperationalError as error:
        if isinstance(error.__cause__, psycopg.errors.LockNotAvailable):
            return _response(HTTPStatus.CONFLICT, "Another request is writing to this upload.")
        raise
    headers = {"Upload_Offset": str(staged.offset), "Upload_Expires": _expires(staged)}
    if staged.status == StagedUploadStatus.SKIPPED:
        headers["BackCare_Upload_Note"] = "skipped: CD viewer file, not needed"
    return _response(**headers)


def _check_kind(
    staged: StagedUpload, *, before: int, chunk: TemporaryUploadedFile | staging.InPlace
) -> HttpResponse | None:
    """Sniff as soon as the first bytes are in (a refused file stops early, not after 500 MB) and
    again at the end, then screen its headers (the same rules and words as the plain form), and only
    then take its SHA-256 (`staging.complete`: on local disk hashed as it was written, on a bucket
    one read of the parts). Between the two sniffs the
    parts are not read again: on a bucket every read is a download (the screen reads only the parts
    that hold the headers it looks at)."""
    complete = staged.offset == staged.length
    if complete or before < rules.SNIFF_BYTES <= staged.offset:
        head = staging.head(staged.staging_name)
    else:
        return None
    kind = rules.sniff(head)
    if kind is None and rules.is_cd_clutter(staged.file_name):
        if complete:
            staging.delete(staged.staging_name)
            staged.status = StagedUploadStatus.SKIPPED
        return None
    if kind is None:
        staging.delete(staged.staging_name)
        staged.delete()
        return _refused(staged.file_name, rules.refusal_reason(head))
    if complete:
        # The plain form's header checks (zip bombs, zip-slip, pixel floods...), so a file the
        # pipeline would refuse later is refused now, while the patient is still there to read why.
        with staging.opened(staged.staging_name, length=staged.length) as whole:
            screened = screen_file(whole, kind)
        if screened is not None:
            staging.delete(staged.staging_name)
            staged.delete()
            return _refused(staged.file_name, screened)
        hashed = getattr(chunk, "sha256", None)  # written in place, hashed as it arrived
        found = staging.complete(
            staged.staging_name,
            sha256=hashed.hexdigest() if isinstance(chunk, staging.InPlace) and hashed else None,
        )
        if found.size != staged.length:
            raise staging.PartsDoNotMatch("A staged upload's parts do not add up to its offset")
        transaction.on_commit(partial(staging.discard_parts, staged.staging_name))
        staged.kind = kind
        staged.sha256 = found.sha256
        staged.status = StagedUploadStatus.COMPLETE
    return None


def _refused(file_name: str, reason: str) -> HttpResponse:
    # 422 is not retried by tus clients; the body is the sentence the dashboard shows the patient.
    return _response(
        HTTPStatus.UNPROCESSABLE_CONTENT,
        _not_accepted(file_name, reason)
        + " "
        + gettext("We accept %(kinds)s.") % {"kinds": gettext(rules.ACCEPTED_KINDS_TEXT)},
    )
