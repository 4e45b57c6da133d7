"""The imaging pipeline: uploads in, study summaries, previews, notes, failures and triage checks out.

    result = process_file(upload.file, kind=upload.kind, form_facts=FormFacts(...))

It knows nothing of models: the Upload task stores `result.to_json()` and saves `result.previews`.
"""

from .checks import FormFacts, run_checks
from .pipeline import process_file
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
    "StudySummary",
    "process_file",
    "run_checks",
]
