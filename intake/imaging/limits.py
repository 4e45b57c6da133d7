"""Every limit the imaging pipeline enforces, in one place.

None of these is shown to patients (the form enforces the upload limits in `intake.rules`); staff see
the plain-words reasons in `reasons.py` when one of them stops a file.
"""

# ZIP archives (a CD burnt into a zip). Sizes count bytes really decompressed, never the header's claim.
ZIP_MAX_MEMBERS = 5_000  # a large CD holds a few thousand files
# zipfile builds an object (~300 bytes) per central directory entry (46 bytes and up) before the members
# can be counted, so the directory's size is checked first: 5,000 entries of 800 bytes fit.
ZIP_MAX_DIRECTORY_BYTES = 4 * 1024**2
ZIP_MAX_TOTAL_BYTES = 4 * 1024**3  # 4 GiB decompressed across the archive and any archive inside it
ZIP_MAX_RATIO = 100  # DICOM pixel data compresses 2-10x; zip bombs reach 1000x and more
ZIP_RATIO_FLOOR_BYTES = 1024**2  # tiny members compress absurdly well; never call 1 MiB a bomb
ZIP_MAX_DEPTH = 1  # a zip inside the zip is read; a zip inside that is refused
ZIP_MAX_EMBEDDED_FILE_BYTES = 64 * 1024**2  # a photo or PDF inside a zip is read into memory
DICOMDIR_MAX_BYTES = (
    8 * 1024**2
)  # a CD's index of 5,000 images is about 2 MB; a larger one is not used

# What one upload may make a process hold. The web process only looks at headers; the worker also
# decodes one slice per series. pydicom's objects cost up to ~90 times the header bytes they come from
# (a header of a million empty sequence items), so header bytes are counted, and a value longer than
# DICOM_DEFER_BYTES (no summary field comes near it) is skipped by seeking, never loaded.
DICOM_DEFER_BYTES = 64 * 1024
DICOM_HEADER_MAX_BYTES = 2 * 1024**2  # the worker: about 180 MB at worst
SCREEN_DICOM_HEADER_MAX_BYTES = (
    512 * 1024
)  # the form's quick look: a longer header is left to the worker
DICOM_PREVIEW_MAX_FRAME_BYTES = 48 * 1024**2  # a 4096 x 5120 16-bit mammogram is 40 MiB
DICOM_PREVIEW_MAX_READ_BYTES = 96 * 1024**2  # compressed frames read on the way to the middle one

# Photos and scans of films.
PHOTO_MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo (8064 x 6048) fits; pixel floods do not
PHOTO_PREVIEW_MAX_SIDE = 1024

# DICOM previews.
DICOM_PREVIEW_MAX_SIDE = 512
DICOM_PREVIEW_ATTEMPTS = 3  # slices tried per series when the middle one will not decode
FALLBACK_PERCENTILES = (0.5, 99.5)  # contrast for slices with no window: ignore a few hot pixels

# PDF reports.
# A report is a few MB. The pipeline reads a PDF whole into memory (and pypdf a damaged one, even in
# the form's screen), so this keeps a PDF within the worker's memory budget (docs/security.md).
PDF_MAX_BYTES = 64 * 1024**2
PDF_PREVIEW_MAX_SIDE = 1024

# Triage.
STUDY_MAX_AGE_MONTHS = 12
