"""Send to PACS: a request's DICOM instances, reconciled with the clinic's MRN and an accession
number, sent to the clinic's PACS by the task worker (never the web request), one row per instance.

- `start_send` (the request page's form) records the send and queues `tasks.send_to_pacs` once the
  transaction commits; `retry_send` queues it again for the instances that failed; both are written
  to the access log, and so is each run's outcome.
- `run_send` (the task's body) lists the instances once (file meta only), then sends every instance
  not yet sent over one association (`intake.imaging.pacs`), reading the stored upload one instance
  at a time. Harmless twice: sent instances are skipped, the PACS keeps one copy per SOP Instance UID,
  and an advisory lock keeps two workers off the same send.
- `test_connection` is a C-ECHO in the web request, bounded by PACS_ECHO_TIMEOUT: staff want the
  answer now, and a queued echo could wait behind a long send.
"""

import logging
import ssl
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from tempfile import TemporaryDirectory

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from intake.enums import AccessAction, PacsInstanceStatus, PacsSendStatus
from intake.imaging import pacs
from intake.imaging.archives import ArchiveRefused
from intake.models import AccessLog, PacsInstance, PacsSend, ReviewRequest, Upload
from intake.rules import FileKind
from intake.triage import services as triage

logger = logging.getLogger(__name__)

# Advisory locks have a two-number name: this class ("PS") and the send's id.
_LOCK_CLASS = 0x5053


class PacsNotConfigured(Exception):
    pass


def _tls_context() -> ssl.SSLContext | None:
    if not settings.PACS_TLS_CA:
        return None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.PACS_TLS_CA)
    if settings.PACS_TLS_CERT:
        context.load_cert_chain(settings.PACS_TLS_CERT, settings.PACS_TLS_KEY or None)
    return context


def destination(*, timeout: float | None = None) -> pacs.Destination | None:
    """The configured PACS, or None when PACS_HOST is not set."""
    if not settings.PACS_HOST:
        return None
    return pacs.Destination(
        ae_title=settings.PACS_AE_TITLE,
        host=settings.PACS_HOST,
        port=settings.PACS_PORT,
        calling_ae_title=settings.PACS_CALLING_AE_TITLE,
        timeout=timeout or settings.PACS_TIMEOUT,
        tls=_tls_context(),
    )


def assigned_accession(review_request: ReviewRequest) -> str:
    """The accession number given when staff enter none: the reference without dashes (BC7KQ492XD),
    the same for every send of the request, so a resend does not look like a new order."""
    return review_request.reference.replace("-", "")


def test_connection() -> tuple[bool, str]:
    """C-ECHO now, waiting at most PACS_ECHO_TIMEOUT seconds: (answered, a sentence for staff)."""
    found = destination(timeout=settings.PACS_ECHO_TIMEOUT)
    if found is None:
        return False, "No PACS is configured (set PACS_HOST, PACS_PORT and PACS_AE_TITLE)."
    try:
        return True, pacs.echo(found)
    except (pacs.PacsError, OSError, ssl.SSLError) as exc:
        return False, str(exc) or f"The PACS {found} could not be reached."


# --- Staff actions --------------------------------------------------------------------------------


def start_send(
    *,
    review_request: ReviewRequest,
    patient_id: str,
    accession_number: str,
    request: HttpRequest,
) -> PacsSend:
    """Record a send of the request's DICOM instances and queue it once this transaction commits."""
    from intake.triage.tasks import send_to_pacs

    found = destination()
    if found is None:
        raise PacsNotConfigured("No PACS is configured.")
    send = PacsSend.objects.create(
        request=review_request,
        patient_id=patient_id,
        accession_number=accession_number or assigned_accession(review_request),
        destination=str(found)[:200],
        created_by=request.user,
    )
    triage.log_access(
        request=request,
        action=AccessAction.PACS_SEND,
        review_request=review_request,
        detail=f"queued send {send.pk} to {send.destination}",
    )
    transaction.on_commit(lambda: send_to_pacs.enqueue(send.pk))
    return send


def retry_send(*, send: PacsSend, request: HttpRequest) -> int:
    """Queue the send again for its failed instances only; how many will be tried."""
    from intake.triage.tasks import send_to_pacs

    failed = send.instances.filter(status=PacsInstanceStatus.FAILED).update(
        status=PacsInstanceStatus.PENDING
    )
    listed = send.instances.exists()
    if not failed and listed:
        return 0
    PacsSend.objects.filter(pk=send.pk).update(status=PacsSendStatus.QUEUED, finished_at=None)
    triage.log_access(
        request=request,
        action=AccessAction.PACS_SEND,
        review_request=send.request,
        detail=f"retry of send {send.pk}: {failed if listed else 'all'} instance(s)",
    )
    transaction.on_commit(lambda: send_to_pacs.enqueue(send.pk))
    return failed


# --- The task -------------------------------------------------------------------------------------


@contextmanager
def _exclusive(send_id: int) -> Iterator[bool]:
    """True if this process may work on the send now (no other worker is); freed when done, and by
    Postgres if the worker dies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, send_id])
        taken = cursor.fetchone()[0]
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, send_id])


def _dicom_uploads(review_request_id: int):
    return Upload.objects.filter(
        request_id=review_request_id, kind__in=[FileKind.DICOM, FileKind.ZIP]
    ).order_by("pk")


@contextmanager
def _instance_files(upload: Upload) -> Iterator[Iterator[tuple[str, object]]]:
    """The upload's DICOM files one at a time. On S3 the object is first fetched into a temporary
    file (memory up to the storage's max_memory_size, then disk), as the pipeline reads it."""
    staging = TemporaryDirectory(prefix="backcare-pacs-") if upload.kind == FileKind.ZIP else None
    with upload.file.open("rb") as fileobj, staging or nullcontext("") as folder:
        yield pacs.dicom_files(fileobj, kind=upload.kind, staging=Path(folder))


def _list_instances(send: PacsSend) -> list[str]:
    """One row per DICOM instance of the request (the file meta only is read); problems found."""
    problems: list[str] = []
    for upload in _dicom_uploads(send.request_id):
        rows = []
        try:
            with _instance_files(upload) as files:
                for name, fileobj in files:
                    found = pacs.identity(fileobj) if fileobj is not None else None
                    if found is None:
                        problems.append("a file that is not readable DICOM was left out")
                        continue
                    rows.append(
                        PacsInstance(
                            send=send,
                            upload=upload,
                            name=name[:500],
                            sop_instance_uid=found.sop_instance_uid[:64],
                            sop_class_uid=found.sop_class_uid[:64],
                            transfer_syntax_uid=found.transfer_syntax_uid[:64],
                        )
                    )
        except FileNotFoundError:
            problems.append("a stored file is gone (removed by retention?)")
        except ArchiveRefused as exc:
            problems.append(f"a zip could not be opened: {exc.reason}")
        # The same image twice (a CD uploaded twice) is listed, and sent, once.
        PacsInstance.objects.bulk_create(rows, ignore_conflicts=True)
    return sorted(set(problems))


class _Results:
    """Each instance's result, written in batches (bulk_update) rather than a query per image. A
    worker killed mid-batch loses at most FLUSH_EVERY results: those instances are sent again on
    the next run, which the PACS takes as the same instances."""

    FLUSH_EVERY = 50

    def __init__(self) -> None:
        self._rows: list[PacsInstance] = []

    def __enter__(self) -> "_Results":
        return self

    def __exit__(self, *exc) -> None:
        self.flush()

    def add(self, row: PacsInstance, result: pacs.Stored) -> None:
        row.status = PacsInstanceStatus.SENT if result.ok else PacsInstanceStatus.FAILED
        row.detail = result.detail[:200]
        row.attempts += 1
        row.sent_at = timezone.now() if result.ok else None
        self._rows.append(row)
        if len(self._rows) >= self.FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        fields = ["status", "detail", "attempts", "sent_at"]
        PacsInstance.objects.bulk_update(self._rows, fields)
        self._rows = []


def _prepared(sender: pacs.Sender, uploads: list[Upload], rows: dict, reconciliation):
    """Each instance to send, read and reconciled, with its row; runs in the read-ahead thread, so
    it reads storage but never the database."""
    for upload in uploads:
        left = rows[upload.pk]
        try:
            with _instance_files(upload) as files:
                for name, fileobj in files:
                    row = left.pop(name, None)
                    if row is None:
                        continue
                    if fileobj is None:
                        yield row, pacs.Stored(False, "This file could not be read from the zip.")
                    else:
                        yield row, sender.prepare(fileobj, reconciliation)
        except (FileNotFoundError, ArchiveRefused):
            pass  # what is left is reported below
        for row in left.values():
            yield row, pacs.Stored(False, "This file was not found in the stored upload.")


def _send_pending(send: PacsSend, found: pacs.Destination) -> None:
    todo = list(send.instances.exclude(status=PacsInstanceStatus.SENT).order_by("pk"))
    if not todo:
        return
    rows: dict[int, dict[str, PacsInstance]] = defaultdict(dict)
    for row in todo:
        rows[row.upload_id].setdefault(row.name, row)
    uploads = list(_dicom_uploads(send.request_id).filter(pk__in=rows))
    reconciliation = pacs.Reconciliation(
        patient_id=send.patient_id,
        accession_number=send.accession_number,
        issuer_of_patient_id=settings.PACS_ISSUER_OF_PATIENT_ID,
    )
    identities = {(row.sop_class_uid, row.transfer_syntax_uid) for row in todo}
    try:
        with _Results() as results, pacs.Sender(found, identities) as sender:
            prepared = _prepared(sender, uploads, rows, reconciliation)
            for row, ready in pacs.read_ahead(prepared):
                results.add(row, sender.send(ready))
    except (pacs.PacsError, OSError, ssl.SSLError) as exc:
        reason = str(exc)[:200] or "The PACS could not be reached."
        send.instances.exclude(status=PacsInstanceStatus.SENT).update(
            status=PacsInstanceStatus.FAILED, detail=reason
        )


def run_send(send_id: int) -> PacsSend | None:
    """The task's body: send what is not sent yet, then record the outcome."""
    with _exclusive(send_id) as mine:
        send = PacsSend.objects.filter(pk=send_id).select_related("request").first()
        if send is None or not mine or send.status == PacsSendStatus.SENT:
            return send  # gone, another worker has it, or done
        PacsSend.objects.filter(pk=send_id).update(status=PacsSendStatus.SENDING)
        found = destination()
        problems = [] if send.instances.exists() else _list_instances(send)
        if found is None:
            problems.append("No PACS is configured.")
        else:
            _send_pending(send, found)
        return _finish(send, problems)


def _finish(send: PacsSend, problems: list[str]) -> PacsSend:
    counts = send.instances.aggregate(
        sent=Count("pk", filter=Q(status=PacsInstanceStatus.SENT)),
        total=Count("pk"),
    )
    if counts["total"] and counts["sent"] == counts["total"]:
        send.status = PacsSendStatus.SENT
    elif counts["sent"]:
        send.status = PacsSendStatus.PARTLY_SENT
    else:
        send.status = PacsSendStatus.FAILED
    if not counts["total"] and not problems:
        problems.append("The request has no DICOM images to send.")
    send.detail = "; ".join(problems)[:300]
    send.finished_at = timezone.now()
    send.save(update_fields=["status", "detail", "finished_at"])
    outcome = f"send {send.pk}: {counts['sent']} of {counts['total']} instance(s) in the PACS"
    AccessLog.objects.create(  # the system's own record (no user): what reached the PACS
        action=AccessAction.PACS_SEND,
        request_id=send.request_id,
        reference=send.request.reference,
        detail=outcome[:200],
    )
    logger.info("PACS %s", outcome)
    return send
