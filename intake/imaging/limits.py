"""Every limit the imaging pipeline enforces, in one place.

None of these is shown to patients (the form enforces the upload limits in `intake.rules`); staff see
the plain-words reasons in `reasons.py` when one of them stops a file.
"""

# ZIP archives (a CD burnt into a zip). Sizes count bytes really decompressed, never the header's claim.
ZIP_MAX_MEMBERS = 5_000  # a large CD holds a few thousand files
ZIP_MAX_TOTAL_BYTES = 4 * 1024**3  # 4 GiB decompressed across the archive and any archive inside it
ZIP_MAX_RATIO = 100  # DICOM pixel data compresses 2-10x; zip bombs reach 1000x and more
ZIP_RATIO_FLOOR_BYTES = 1024**2  # tiny members compress absurdly well; never call 1 MiB a bomb
ZIP_MAX_DEPTH = 1  # a zip inside the zip is read; a zip inside that is refused
ZIP_MAX_EMBEDDED_FILE_BYTES = 256 * 1024**2  # a photo or PDF inside a zip is read into memory

# Photos and scans of films.
PHOTO_MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo (8064 x 6048) fits; pixel floods do not
PHOTO_PREVIEW_MAX_SIDE = 1024

# DICOM previews.
DICOM_PREVIEW_MAX_SIDE = 512
DICOM_PREVIEW_ATTEMPTS = 3  # slices tried per series when the middle one will not decode
FALLBACK_PERCENTILES = (0.5, 99.5)  # contrast for slices with no window: ignore a few hot pixels

# PDF reports.
PDF_MAX_BYTES = (
    256 * 1024**2
)  # a report is a few MB; pypdf may read a damaged one whole into memory
PDF_PREVIEW_MAX_SIDE = 1024

# Triage.
STUDY_MAX_AGE_MONTHS = 12
