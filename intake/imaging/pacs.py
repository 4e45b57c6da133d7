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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
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
    return association


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
        if not self.connected and not self._reopen():
            return Stored(False, "The connection to the PACS was lost.")
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
        return self._send(ds, how)

    def _send(self, ds: Dataset, how: str) -> Stored:
        try:
            status = self._association.send_c_store(ds)
        except (RuntimeError, ValueError, AttributeError) as exc:
            return Stored(False, f"Not sent: {exc}"[:200])
        code = status.get("Status") if status else None
        if code is None:
            return Stored(False, "The connection to the PACS was lost.")
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
            return False
        return True
