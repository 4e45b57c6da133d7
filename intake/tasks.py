"""Tasks queued before the rooms moved are stored under `intake.tasks.<name>`; this keeps them
resolvable for the worker. New tasks are queued under their room's module. Remove after a release."""

from intake.processing.tasks import process_upload
from intake.request.tasks import email_intake_inbox, email_patient_confirmation

__all__ = ["email_intake_inbox", "email_patient_confirmation", "process_upload"]
