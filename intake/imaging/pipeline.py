"""`process_file`: one upload in, one `Result` out. The original is only ever opened for reading."""

import tempfile
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import date
from os import PathLike
from pathlib import Path
from typing import BinaryIO

from . import dicom, limits, reasons
from .archives import ArchiveReader, ArchiveRefused, Member, MemberDamaged
from .checks import FormFacts, run_checks
from .kinds import FileKind, sniff_file, starts_like_program
from .pdfs import PdfRefused, read_pdf
from .photos import PhotoRefused, photo_preview
from .results import Document, Failure, Outcome, Photo, Preview, Result
from .slices import slices_of_dataset

Source = str | PathLike[str] | BinaryIO


def read_file(
    source: Source,
    *,
    kind: FileKind | str | None = None,
    name: str = "",
    staging_dir: Path | None = None,
    dicom_preview: bool = True,
) -> Result:
    """Summarise and preview one uploaded file, without triage checks.

    `source` is a path or a binary file opened for reading (seekable), e.g. an Upload's FieldFile.
    `kind`, if given, is the kind recorded at upload and must match the bytes. `name` labels photo and
    PDF previews. Only an archive inside a ZIP is ever written, into `staging_dir` (a temporary folder
    that is removed afterwards when none is given). Running it twice on the same bytes gives an equal
    Result. A request's checks run over all its files at once: `run_checks(all_results)`.

    With `dicom_preview=False` a single DICOM file is read to its header only and its `Result.slices`
    say where it sits in its series: loose files of one series are previewed once, together
    (`dicom.plan_series_previews`), as the slices of a zipped CD are.
    """
    with _opened(source) as fileobj:
        return _process(
            fileobj, kind=kind, name=name, staging_dir=staging_dir, dicom_preview=dicom_preview
        )


def process_file(
    source: Source,
    *,
    kind: FileKind | str | None = None,
    name: str = "",
    form_facts: FormFacts | None = None,
    staging_dir: Path | None = None,
    today: date | None = None,
) -> Result:
    """`read_file`, with the checks of this one file (against `form_facts` when given)."""
    result = read_file(source, kind=kind, name=name, staging_dir=staging_dir)
    return replace(result, checks=run_checks([result], form_facts=form_facts, today=today))


def _process(
    fileobj: BinaryIO, *, kind, name: str, staging_dir: Path | None, dicom_preview: bool = True
) -> Result:
    sniffed = sniff_file(fileobj)
    if sniffed is None:
        return Result(kind=None, outcome=Outcome.FAILED, reason=reasons.NOT_ACCEPTED_KIND)
    if kind and FileKind(kind) != sniffed:
        return Result(kind=sniffed, outcome=Outcome.FAILED, reason=reasons.KIND_MISMATCH)
    collector = _Collector(kind=sniffed)
    try:
        if sniffed == FileKind.DICOM:
            return collector.single_dicom(fileobj, preview=dicom_preview)
        if sniffed == FileKind.ZIP:
            # Only a ZIP may need a folder (for an archive inside it): made only then.
            with _staging(staging_dir) as staging:
                return collector.archive(fileobj, staging=staging)
        if sniffed in (FileKind.JPEG, FileKind.PNG):
            collector.photo(fileobj, name)
        else:
            collector.pdf(fileobj, name)
    except (PhotoRefused, PdfRefused) as exc:
        return Result(kind=sniffed, outcome=Outcome.FAILED, reason=exc.reason)
    return collector.result()


@contextmanager
def _opened(source: Source):
    if isinstance(source, str | PathLike):
        with open(source, "rb") as fileobj:
            yield fileobj
    else:
        source.seek(0)
        yield source


def _staging(staging_dir: Path | None):
    if staging_dir is not None:
        return nullcontext(Path(staging_dir))
    return _temporary_staging()


@contextmanager
def _temporary_staging():
    with tempfile.TemporaryDirectory(prefix="backcare-imaging-") as path:
        yield Path(path)


@dataclass
class _Collector:
    kind: FileKind
    instances: list = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    previews: list[Preview] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    program_preambles: list[str] = field(default_factory=list)
    studies: tuple = ()

    def single_dicom(self, fileobj: BinaryIO, *, preview: bool = True) -> Result:
        if starts_like_program(fileobj.read(128)):
            self.notes.append(reasons.NOTE_PROGRAM_PREAMBLE)
        fileobj.seek(0)
        try:
            header, dataset = dicom.read_dataset(fileobj)
        except dicom.NotDicomImage as exc:
            if exc.has_pixels:
                return Result(kind=self.kind, outcome=Outcome.FAILED, reason=exc.reason)
            # A report, a plan, a CD's index: named for what it is, not called unreadable.
            self.notes.append(exc.reason)
            return self.result()
        if header.sop_class_uid in dicom.NOT_REVIEWED_IMAGES:
            self.notes.append(
                reasons.DICOM_NOT_REVIEWED_IMAGE.format(
                    what=dicom.object_words(header.sop_class_uid)
                )
            )
        grouped = dicom.group_series([(header, "")])
        if not preview:
            self.studies = dicom.summarise(grouped, set())
            # The viewer's index of the file (a row per frame), from this same read of its header.
            return replace(self.result(), slices=tuple(slices_of_dataset(dataset, None)))
        fileobj.seek(0)
        try:
            image = dicom.render_preview(fileobj, header.frames // 2 if header.frames > 1 else None)
        except dicom.PreviewTooLarge:
            return Result(
                kind=self.kind, outcome=Outcome.FAILED, reason=reasons.DICOM_TOO_LARGE_TO_PREVIEW
            )
        except Exception:  # pixel data that no decoder accepts, or truncated
            return Result(kind=self.kind, outcome=Outcome.FAILED, reason=reasons.NOT_DICOM_IMAGE)
        label = dicom.series_label(header.modality, header.series_description, 1)
        self._add_preview(dicom.series_key(header.series_instance_uid), label, image)
        self.studies = dicom.summarise(grouped, {p.key for p in self.previews})
        return self.result()

    def archive(self, fileobj: BinaryIO, *, staging: Path) -> Result:
        no_pixels = 0
        unknown: list[str] = []
        try:
            with ArchiveReader(fileobj, staging=staging) as reader:
                for member in reader.members():
                    if member.kind == FileKind.DICOM:
                        no_pixels += self._archive_dicom(reader, member)
                        if member.program_preamble:
                            self.program_preambles.append(member.ref.name)
                    elif member.kind in (FileKind.JPEG, FileKind.PNG, FileKind.PDF):
                        self._archive_document(reader, member)
                    elif member.listed:
                        self.failures.append(Failure(member.ref.name, reasons.MEMBER_NOT_DICOM))
                    else:
                        unknown.append(member.ref.name)
                self._dicom_previews(reader)
                self.failures[:0] = reader.failures
                self.notes[:0] = reader.notes
                clutter = reader.clutter
        except ArchiveRefused as exc:
            return Result(kind=self.kind, outcome=Outcome.FAILED, reason=exc.reason)
        if clutter:
            self.notes.append(
                reasons.NOTE_CLUTTER.format(count=len(clutter), examples=_few(clutter))
            )
        if unknown:
            self.notes.append(
                reasons.NOTE_UNKNOWN.format(count=len(unknown), examples=_few(unknown))
            )
        if no_pixels:
            self.notes.append(reasons.NOTE_NO_PIXELS.format(count=no_pixels))
        result = self.result()
        if self.failures and not (result.studies or result.photos or result.documents):
            return replace(result, outcome=Outcome.FAILED, reason=reasons.ZIP_NOTHING_READABLE)
        return result

    def _archive_dicom(self, reader: ArchiveReader, member: Member) -> int:
        """Read one member's header; 1 if it is DICOM without image data (a report, a state)."""
        try:
            with reader.open(member.ref) as fileobj:
                header = dicom.read_header(fileobj)
        except dicom.NotDicomImage as exc:
            if not exc.has_pixels:
                return 1
            self.failures.append(Failure(member.ref.name, reasons.NOT_DICOM_IMAGE))
            return 0
        except MemberDamaged:
            self.failures.append(Failure(member.ref.name, reasons.MEMBER_DAMAGED))
            return 0
        self.instances.append((header, member.ref))
        return 0

    def _archive_document(self, reader: ArchiveReader, member: Member) -> None:
        if member.ref.info.file_size > limits.ZIP_MAX_EMBEDDED_FILE_BYTES:
            self.failures.append(Failure(member.ref.name, reasons.MEMBER_TOO_LARGE))
            return
        try:
            with reader.open(member.ref) as fileobj:
                if member.kind == FileKind.PDF:
                    self.pdf(fileobj, member.ref.name)
                else:
                    self.photo(fileobj, member.ref.name)
        except (PhotoRefused, PdfRefused) as exc:
            self.failures.append(Failure(member.ref.name, exc.reason))
        except MemberDamaged:
            self.failures.append(Failure(member.ref.name, reasons.MEMBER_DAMAGED))

    def _dicom_previews(self, reader: ArchiveReader) -> None:
        grouped = dicom.group_series(self.instances)
        self.instances = []  # the headers now live in `grouped`
        for key, label, image, failed in dicom.render_series_previews(grouped, reader.open):
            self.failures.extend(Failure(str(ref), reasons.PREVIEW_FAILED) for ref in failed)
            if image is not None:
                self._add_preview(key, label, image)
        self.studies = dicom.summarise(grouped, {p.key for p in self.previews})

    def photo(self, fileobj: BinaryIO, name: str) -> None:
        preview = photo_preview(fileobj)
        key = f"photo:{name or len(self.photos) + 1}"
        self.previews.append(
            Preview(
                key,
                f"Photo {name}".strip(),
                preview.png,
                preview.preview_width,
                preview.preview_height,
            )
        )
        self.photos.append(Photo(name, preview.width, preview.height, key))

    def pdf(self, fileobj: BinaryIO, name: str) -> None:
        summary = read_pdf(fileobj)
        key = ""
        if summary.png is not None:
            key = f"pdf:{name or len(self.documents) + 1}"
            label = f"First page of the report {name}".strip()
            self.previews.append(
                Preview(key, label, summary.png, summary.preview_width, summary.preview_height)
            )
        else:
            self.notes.append(reasons.NOTE_PDF_NO_PREVIEW)
        self.documents.append(Document(name, summary.page_count, key))

    def _add_preview(self, key: str, label: str, image) -> None:
        self.previews.append(Preview(key, label, dicom.png_bytes(image), *image.size))

    def result(self) -> Result:
        notes = list(self.notes)
        if self.program_preambles:
            # Staff should know before they open it: the stored file stays byte for byte as sent, and
            # downloads are named by kind (.dcm), never .exe.
            notes.append(
                reasons.NOTE_PROGRAM_PREAMBLE_MEMBERS.format(
                    count=len(self.program_preambles), examples=_few(self.program_preambles)
                )
            )
        return Result(
            kind=self.kind,
            outcome=Outcome.PROCESSED,
            studies=self.studies,
            photos=tuple(self.photos),
            documents=tuple(self.documents),
            previews=tuple(sorted(self.previews, key=lambda p: p.key)),
            notes=tuple(notes),
            failures=tuple(self.failures),
        )


def _few(names: list[str], count: int = 3) -> str:
    shown = ", ".join(n.rsplit("/", 1)[-1] for n in names[:count])
    return shown + (" …" if len(names) > count else "")
