"""The quick look at an uploaded file's headers, by the imaging pipeline's own checks.

One source of truth for both ways a file arrives: the plain form (`intake.request.forms.check_files`) and a
tus upload when its last chunk is in (`intake.uploads.tus`). Both tell the patient the same words.
"""

import logging
import tempfile
from pathlib import Path
from typing import BinaryIO

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from intake.imaging import limits, reasons
from intake.imaging.archives import screen_archive
from intake.imaging.dicom import screen_dicom
from intake.imaging.pdfs import screen_pdf
from intake.imaging.photos import screen_photo
from intake.rules import FileKind
from intake.uploads.storage import temporary_folder

logger = logging.getLogger(__name__)


# What the patient is told when the quick look at a file's headers (`screen_file`) finds what the
# imaging pipeline would refuse. Keys are the pipeline's own reasons (intake.imaging.reasons).
SCREEN_REASONS = {
    reasons.NOT_READABLE_ZIP: _("the ZIP file is damaged and cannot be opened"),
    reasons.ZIP_UNSAFE_PATH: _(
        "a file inside the ZIP points outside it (its name starts with “/” or has “..”), "
        "which is not safe"
    ),
    reasons.ZIP_SYMLINK: _("the ZIP holds a link to another file (a shortcut), which is not safe"),
    reasons.ZIP_TOO_MANY_MEMBERS: format_lazy(
        _("the ZIP holds more than {count} files; send it in smaller parts"),
        count=f"{limits.ZIP_MAX_MEMBERS:,}",
    ),
    reasons.ZIP_TOO_LARGE: _("the ZIP unpacks to more than we can accept"),
    reasons.ZIP_BOMB: _(
        "a file inside the ZIP unpacks to far more than its size (a “zip bomb”), which is not safe"
    ),
    reasons.MEMBER_ENCRYPTED: _(
        "a file inside the ZIP is locked with a password; make the ZIP again without a password"
    ),
    reasons.MEMBER_NESTED_TOO_DEEP: _(
        "the ZIP holds a ZIP inside a ZIP; put all the files in one ZIP file"
    ),
    reasons.PHOTO_TOO_LARGE: _("the picture has far more pixels than any phone or camera photo"),
    reasons.NOT_READABLE_PHOTO: _("the picture cannot be opened; the file may be damaged"),
    reasons.NOT_READABLE_PDF: _("it starts like a PDF but is not one that can be opened"),
    reasons.PDF_TOO_LARGE: format_lazy(
        _("the PDF is bigger than the {size} MB we accept for a report"),
        size=limits.PDF_MAX_BYTES // 1024**2,
    ),
    reasons.PDF_PROTECTED: _("the PDF is locked with a password; save it again without one"),
    reasons.NOT_DICOM_IMAGE: _(
        "it starts like an MRI image (DICOM) but cannot be read; the file may be damaged"
    ),
}


def screen_file(uploaded: BinaryIO, kind: FileKind) -> str | None:
    """Why the imaging pipeline would refuse this file, in the patient's words, or None.

    Headers only (a ZIP's directory and each member's first bytes, a photo's size, a DICOM header, a
    PDF's cross-reference table and page tree),
    by the pipeline's own checks, so the patient hears at once instead of after the form is sent.
    `uploaded` is any readable, seekable file: a posted file, or a tus upload's staged parts
    (`intake.uploads.staging.PartsFile`).
    """
    try:
        uploaded.seek(0)
        if kind == FileKind.ZIP:
            with tempfile.TemporaryDirectory(
                prefix="backcare-screen-", dir=temporary_folder()
            ) as staging:
                reason = screen_archive(uploaded, staging=Path(staging))
        elif kind in (FileKind.JPEG, FileKind.PNG):
            reason = screen_photo(uploaded)
        elif kind == FileKind.DICOM:
            reason = screen_dicom(uploaded)
        elif kind == FileKind.PDF:
            reason = screen_pdf(uploaded)
        else:
            reason = None
    except Exception:
        # The pipeline reads the file again with the same checks and records any failure for staff.
        logger.warning("The quick look at an uploaded %s file failed", kind, exc_info=True)
        reason = None
    finally:
        uploaded.seek(0)
    if reason is None:
        return None
    # In the language of the page that asked (the form's, or English for the tus endpoint).
    return str(SCREEN_REASONS.get(reason, _("we cannot open this file")))
