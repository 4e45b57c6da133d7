"""The triage room's task: "Send to PACS", run by the task worker (`manage.py run_worker`)."""

from django.tasks import task

from intake.triage import pacs


@task
def send_to_pacs(send_id: int) -> None:
    """Send a request's DICOM instances that are not in the PACS yet; safe to run again."""
    pacs.run_send(send_id)
