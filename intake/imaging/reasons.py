"""Plain-words reasons and notes shown to staff. Tests and the admin import them from here."""

# Why a whole file (or a whole archive) was refused.
NOT_DICOM_IMAGE = "This is not a readable DICOM image."
NOT_ACCEPTED_KIND = "This is not a file type we accept (DICOM, ZIP, JPEG, PNG or PDF)."
KIND_MISMATCH = "The file's contents do not match the type it was uploaded as."
NOT_READABLE_ZIP = "This ZIP archive is damaged and could not be opened."
ZIP_UNSAFE_PATH = (
    "This ZIP archive was refused: a file inside it points outside the archive "
    "(an absolute path or '..')."
)
ZIP_SYMLINK = "This ZIP archive was refused: it contains a link to another file (a symbolic link)."
ZIP_TOO_MANY_MEMBERS = "This ZIP archive was refused: it holds more files than we accept."
ZIP_TOO_LARGE = (
    "This ZIP archive was refused: its contents are larger than we accept when unpacked."
)
ZIP_BOMB = (
    "This ZIP archive was refused: a file inside it unpacks to far more than its size "
    "(a 'zip bomb')."
)
NOT_READABLE_PHOTO = "This photo could not be read; the file may be damaged."
PHOTO_TOO_LARGE = "This image was refused: it has far more pixels than a phone photo."
NOT_READABLE_PDF = "This PDF could not be read; the file may be damaged."
PDF_TOO_LARGE = "This PDF was refused: it is far larger than a report."
PDF_PROTECTED = "This PDF is protected by a password and could not be read."
FILE_NOT_STORED = (
    "The file is no longer stored (it may have been removed after the retention period), "
    "so it could not be read."
)

# Why one file inside an archive could not be used (the rest of the archive still is).
MEMBER_ENCRYPTED = "This file inside the ZIP archive is protected by a password."
MEMBER_NESTED_TOO_DEEP = (
    "This is an archive inside an archive inside the ZIP; we read only one level."
)
MEMBER_MISSING = "The CD's index (DICOMDIR) lists this file, but it is not in the archive."
MEMBER_NOT_DICOM = (
    "The CD's index (DICOMDIR) lists this file, but it is not a readable DICOM image."
)
DICOM_HEADER_TOO_LARGE = (
    "This DICOM file's header is far larger than any scanner writes; it was not read."
)
DICOM_NOT_AN_IMAGE = "This DICOM file holds no image: it is {what}."
DICOM_NOT_AN_IMAGE_UNKNOWN = (
    "This DICOM file holds no image, and its kind (its SOP class) is not one we recognise."
)
DICOM_WITHOUT_PIXELS = "This DICOM file ({what}) holds the details of an image but not its pixels."
DICOM_NOT_REVIEWED_IMAGE = (
    "This DICOM file is {what}, not a scan of the body; its preview shows it as an image."
)
DICOM_TOO_LARGE_TO_PREVIEW = "The image in this DICOM file is larger than we decode for a preview."
PREVIEW_FAILED = "The image data in this DICOM file could not be decoded for a preview."

# Notes: what was skipped and why (not failures).
NOTE_CLUTTER = (
    "Skipped {count} file(s) that come with a CD viewer and hold no images, e.g. {examples}."
)
NOTE_UNKNOWN = "Skipped {count} file(s) that are not images, reports or photos, e.g. {examples}."
NOTE_NO_PIXELS = (
    "Skipped {count} DICOM file(s) without image data (structured reports, presentation states or "
    "similar)."
)
NOTE_DICOMDIR_USED = "Read the CD's index (DICOMDIR): it lists {count} file(s)."
NOTE_DICOMDIR_UNREADABLE = (
    "The CD's index (DICOMDIR) could not be read, so every file was examined."
)
NOTE_NESTED_ARCHIVE = "Read the ZIP archive inside this one: {name}."
NOTE_PROGRAM_PREAMBLE = (
    "This DICOM file starts like a computer program: its preamble (the first 128 bytes, free for "
    "any use) holds a program header, such as a Windows .exe's. Open it only in a DICOM viewer, "
    "never as a program."
)
NOTE_PROGRAM_PREAMBLE_MEMBERS = (
    "{count} DICOM file(s) inside start like a computer program (a program header, such as a "
    "Windows .exe's, in the DICOM preamble), e.g. {examples}. Open them only in a DICOM viewer, "
    "never as a program."
)
NOTE_PDF_NO_PREVIEW = "No preview of the first page could be made."
NOTE_EMPTY_ARCHIVE = "The ZIP archive is empty."
MEMBER_DAMAGED = "This file inside the ZIP archive is damaged and could not be read."
ZIP_NOTHING_READABLE = "Nothing inside this ZIP archive could be read."
MEMBER_TOO_LARGE = "This photo or PDF inside the ZIP archive is larger than we read."
