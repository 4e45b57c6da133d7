"""The imaging library: a file's bytes in; study summaries, previews, notes, failures and triage
checks out (DICOM, safe ZIP archives, photos, PDF reports).

    result = read_file(fileobj, kind="dicom")          # summaries and previews
    checks = run_checks([result, ...], form_facts=...)  # a request's checks, over all its files

`pacs.py` sends an upload's DICOM instances to a PACS (C-STORE, reconciled IDs) and echoes it.

It owns its limits (`limits.py`), the accepted kinds and their signatures (`kinds.py`) and the
plain-words reasons (`reasons.py`). May import: the standard library and its imaging dependencies
(pydicom, pynetdicom, Pillow, numpy, pypdf, pypdfium2) only; no Django and nothing else of `intake`, so it can be
tested, benchmarked and reused on its own. `intake.processing` stores what it returns.
"""

from .checks import FormFacts, run_checks
from .pipeline import process_file, read_file
from .results import (
    Check,
    CheckCode,
    Document,
    Failure,
    Outcome,
    Photo,
    Preview,
    Result,
    SeriesSummary,
    Slice,
    StudySummary,
)

__all__ = [
    "Check",
    "CheckCode",
    "Document",
    "Failure",
    "FormFacts",
    "Outcome",
    "Photo",
    "Preview",
    "Result",
    "SeriesSummary",
    "Slice",
    "StudySummary",
    "process_file",
    "read_file",
    "run_checks",
]
