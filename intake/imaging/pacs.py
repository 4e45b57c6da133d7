"""Sending an upload's DICOM instances to a PACS by C-STORE, reconciled in the spirit of IHE Import
Reconciliation Workflow (IRWF), and C-ECHO to test the connection. No Django: the caller keeps the
results (intake/triage/pacs.py).

- Instances are read one at a time from the stored file (a single DICOM file or a zipped CD, through
  the same safe archive reader as the pipeline) and changed in memory only: the upload is never written.
- Reconciliation: the clinic's MRN becomes Patient ID (with the clinic's issuer, if configured) and the
  accession number is set; the original Patient ID and Issuer of Patient ID move to Other Patient IDs
  Sequence. UIDs are kept, so a second send of the same instance is the same instance to the PACS.
- One association for the whole send. For every SOP class and transfer syntax met, two presentation
  contexts are proposed: the file's own syntax (compressed pixel data goes as it is, bit for bit) and
  Explicit VR Little Endian; a file whose own syntax the PACS refuses is decompressed and sent in the
  other.
"""

import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Full, Queue
from typing import BinaryIO

import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import UID, ExplicitVRLittleEndian
from pynetdicom import AE, build_context
from pynetdicom.sop_class import Verification

from .archives import ArchiveReader, MemberDamaged
from .kinds import FileKind

# A PACS accepts at most 128 presentation contexts per association (PS3.8 9.3.2.2: odd ids 1-255).
MAX_CONTEXTS = 128
ORIGINAL_ID_TYPE = "TEXT"  # Type of Patient ID of the moved original: a text identifier
LOST = "The connection to the PACS was lost."
READ_AHEAD = 2  # instances prepared while the PACS answers: at most this many more in memory


class PacsError(Exception):
    """The PACS could not be reached, or refused the association; `str()` is staff's plain words."""


@dataclass(frozen=True)
class Destination:
    ae_title: str
    host: str
    port: int
    calling_ae_title: str
    timeout: float = 30
    tls: ssl.SSLContext | None = None

    def __str__(self) -> str:
        return f"{self.ae_title}@{self.host}:{self.port}{' (TLS)' if self.tls else ''}"


@dataclass(frozen=True)
class Reconciliation:
    patient_id: str  # the clinic's medical record number
    accession_number: str
    issuer_of_patient_id: str = ""  # the clinic's assigning authority, if it has one


@dataclass(frozen=True)
class Identity:
    """What the sender needs to know of an instance before the association is opened."""

    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax_uid: str


@dataclass(frozen=True)
class Prepared:
    ds: Dataset  # reconciled, in the syntax it will be sent in
    how: str


@dataclass(frozen=True)
class Stored:
    ok: bool
    detail: str  # for staff: how it went ("sent", "sent decompressed") or why not


def dicom_files(fileobj: BinaryIO, *, kind: str, staging: Path) -> Iterator[tuple[str, BinaryIO]]:
    """Each DICOM file in an upload, one at a time: (its name inside a zip, or "" for a single
    file; the file, open until the next one is asked for). Raises ArchiveRefused for a zip the
    pipeline refuses too. A member that cannot be read is yielded as (name, None)."""
    if kind == FileKind.DICOM:
        fileobj.seek(0)
        yield "", fileobj
        return
    if kind != FileKind.ZIP:
        return
    fileobj.seek(0)
    with ArchiveReader(fileobj, staging=staging) as reader:
        for member in reader.members():
            if member.kind != FileKind.DICOM:
                continue
            try:
                with reader.open(member.ref) as opened:
                    yield member.ref.name, opened
            except MemberDamaged:
                yield member.ref.name, None


def identity(fileobj: BinaryIO) -> Identity | None:
    """The SOP class, instance and transfer syntax from a file's meta header; None if it has none."""
    try:
        ds = pydicom.dcmread(
            fileobj, stop_before_pixels=True, specific_tags=["SOPClassUID", "SOPInstanceUID"]
        )
    except Exception:  # a file the pipeline called DICOM by its marker, but unreadable here
        return None
    meta = ds.file_meta
    found = Identity(
        str(meta.get("MediaStorageSOPClassUID") or ds.get("SOPClassUID", "")),
        str(meta.get("MediaStorageSOPInstanceUID") or ds.get("SOPInstanceUID", "")),
        str(meta.get("TransferSyntaxUID", "")),
    )
    complete = found.sop_class_uid and found.sop_instance_uid and found.transfer_syntax_uid
    return found if complete else None


def reconcile(ds: Dataset, reconciliation: Reconciliation) -> None:
    """Give `ds` (an in-memory copy) the clinic's identifiers; keep the original ones as other IDs."""
    original = Dataset()
    original.PatientID = ds.get("PatientID", "") or ""
    if ds.get("IssuerOfPatientID"):
        original.IssuerOfPatientID = ds.IssuerOfPatientID
    if "IssuerOfPatientIDQualifiersSequence" in ds:
        original.IssuerOfPatientIDQualifiersSequence = ds.IssuerOfPatientIDQualifiersSequence
        del ds.IssuerOfPatientIDQualifiersSequence
    original.TypeOfPatientID = ORIGINAL_ID_TYPE
    others = list(ds.get("OtherPatientIDsSequence", []))
    if original.PatientID and original.PatientID != reconciliation.patient_id:
        known = {(o.get("PatientID"), o.get("IssuerOfPatientID")) for o in others}
        if (original.PatientID, original.get("IssuerOfPatientID")) not in known:
            others.insert(0, original)
    if others:
        ds.OtherPatientIDsSequence = others
    ds.PatientID = reconciliation.patient_id
    if reconciliation.issuer_of_patient_id:
        ds.IssuerOfPatientID = reconciliation.issuer_of_patient_id
    elif "IssuerOfPatientID" in ds:
        del ds.IssuerOfPatientID
    ds.AccessionNumber = reconciliation.accession_number


def _contexts(identities: set[tuple[str, str]]) -> list:
    """Own syntax and Explicit VR Little Endian, each its own context (so the PACS can accept one
    and refuse the other), for every (SOP class, transfer syntax) met; at most MAX_CONTEXTS."""
    wanted: dict[tuple[str, str], None] = {}
    for sop_class, syntax in sorted(identities):
        wanted[(sop_class, syntax)] = None
        wanted[(sop_class, ExplicitVRLittleEndian)] = None
    return [build_context(sop_class, syntax) for sop_class, syntax in wanted][:MAX_CONTEXTS]


def _ae(destination: Destination) -> AE:
    ae = AE(ae_title=destination.calling_ae_title)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = destination.timeout
    ae.connection_timeout = min(destination.timeout, 10)
    return ae


def _associate(destination: Destination, contexts: list):
    ae = _ae(destination)
    tls = (destination.tls, destination.host) if destination.tls else None
    association = ae.associate(
        destination.host,
        destination.port,
        contexts=contexts,
        ae_title=destination.ae_title,
        tls_args=tls,
    )
    if association.is_rejected:
        raise PacsError(f"The PACS {destination} refused the connection (check the AE titles).")
    if not association.is_established:
        raise PacsError(f"The PACS {destination} did not answer.")
    # Each image ends in a short PDU: without this, Nagle's algorithm may hold it back until the
    # PACS acknowledges the previous one (dcmtk's tools set it too).
    association.dul.socket.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    _keep_answers(association)
    return association


def _keep_answers(association) -> None:
    """pynetdicom (3.0.4) has a race: its association thread may take the PACS's answer off the
    queue in the instant between two C-STOREs (the pause it checks is set a moment late), find it is
    not a request and drop it, and the sender then waits for it until the DIMSE timeout. We only
    send, so every message that is not a request is the answer our sender waits for: put it back."""
    serve = association._serve_request

    def serve_or_put_back(msg, context_id: int) -> None:
        if msg.is_valid_request:
            serve(msg, context_id)
        else:
            association.dimse.msg_queue.put((context_id, msg))

    association._serve_request = serve_or_put_back


def echo(destination: Destination) -> str:
    """C-ECHO: a sentence saying the PACS answered, or PacsError saying why not."""
    association = _associate(destination, [build_context(Verification)])
    try:
        status = association.send_c_echo()
    finally:
        association.release()
    code = status.get("Status") if status else None
    if code != 0x0000:
        raise PacsError(f"The PACS {destination} answered the echo with an error ({code}).")
    return f"The PACS {destination} answered."


class Sender:
    """One association, reused for every instance of a send (opened again once if it drops)."""

    def __init__(self, destination: Destination, identities: set[tuple[str, str]]):
        self.destination = destination
        self.contexts = _contexts(identities)
        self._association = None
        self._reopened = False
        self._gave_up = False

    def __enter__(self) -> "Sender":
        self._association = _associate(self.destination, self.contexts)
        return self

    def __exit__(self, *exc) -> None:
        if self._association is not None and self._association.is_established:
            self._association.release()

    @property
    def connected(self) -> bool:
        return self._association is not None and self._association.is_established

    def _accepted(self, sop_class: str) -> set[UID]:
        return {
            cx.transfer_syntax[0]
            for cx in self._association.accepted_contexts
            if cx.abstract_syntax == sop_class
        }

    def store(self, fileobj: BinaryIO, reconciliation: Reconciliation) -> Stored:
        """Read one instance, reconcile the copy in memory and C-STORE it."""
        return self.send(self.prepare(fileobj, reconciliation))

    def prepare(self, fileobj: BinaryIO, reconciliation: Reconciliation) -> "Prepared | Stored":
        """Read one instance into memory, decompress it if the PACS needs that, reconcile it; or
        why it cannot be sent. Touches nothing shared but the accepted contexts (read_ahead)."""
        if self._gave_up:
            return Stored(False, LOST)
        try:
            ds = pydicom.dcmread(fileobj)
        except Exception:
            return Stored(False, "This file could not be read as DICOM.")
        sop_class = str(ds.file_meta.get("MediaStorageSOPClassUID") or ds.get("SOPClassUID", ""))
        syntax = ds.file_meta.TransferSyntaxUID
        accepted = self._accepted(sop_class)
        how = "sent"
        if syntax not in accepted and syntax.is_compressed:
            if ExplicitVRLittleEndian not in accepted:
                return Stored(False, "The PACS does not accept this kind of image.")
            try:
                # The same instance, uncompressed: keep its UID so a resend is not a new image.
                ds.decompress(generate_instance_uid=False)
            except Exception:
                return Stored(False, "The PACS wants it uncompressed, and it could not be.")
            how = "sent decompressed"
        elif not accepted:
            return Stored(False, "The PACS does not accept this kind of image.")
        reconcile(ds, reconciliation)
        return Prepared(ds, how)

    def send(self, prepared: "Prepared | Stored") -> Stored:
        """C-STORE what `prepare` made (a Stored is a failure already known)."""
        if isinstance(prepared, Stored):
            return prepared
        if not self.connected and not self._reopen():
            return Stored(False, LOST)
        return self._send(prepared.ds, prepared.how)

    def _send(self, ds: Dataset, how: str) -> Stored:
        try:
            status = self._association.send_c_store(ds)
        except (RuntimeError, ValueError, AttributeError) as exc:
            return Stored(False, f"Not sent: {exc}"[:200])
        code = status.get("Status") if status else None
        if code is None:
            return Stored(False, LOST)
        if code in (0x0000, 0xB000, 0xB007, 0xB006):  # success, or success with a warning
            return Stored(True, how if code == 0 else f"{how} (PACS warning {code:#06x})")
        return Stored(False, f"The PACS refused it (status {code:#06x}).")

    def _reopen(self) -> bool:
        """One new association after a lost one; a PACS that is down fails the rest fast."""
        if self._reopened:
            return False
        self._reopened = True
        try:
            self._association = _associate(self.destination, self.contexts)
        except PacsError:
            self._association = None
            self._gave_up = True
            return False
        return True


_DONE = object()


def read_ahead[T](items: Iterator[T], depth: int = READ_AHEAD) -> Iterator[T]:
    """Run the generator `items` in a thread of its own, at most `depth` items ahead of the caller.

    A C-STORE waits for the PACS's answer (tens of milliseconds with dcmtk-based PACSs such as
    Orthanc): reading, decompressing and reconciling the next instance happen during that wait
    instead of after it. `items` must not use the database. Its exceptions reach the caller; if the
    caller stops early, `items` is closed in its thread.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.2)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        outcome = (_DONE, None)
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            outcome = (_DONE, exc)
        finally:
            if hasattr(items, "close"):  # a generator; a plain iterator has nothing to close
                items.close()
        put(outcome)

    thread = threading.Thread(target=produce, name="pacs-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item, error = queue.get(timeout=0.5)
            except Empty:
                if thread.is_alive() or not queue.empty():
                    continue
                raise RuntimeError("The reading thread ended without a word.") from None
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()
