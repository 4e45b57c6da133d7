"""The patient's e-mails, sent by the task worker once a request is kept (`manage.py run_worker`)."""

import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from backcare.context_processors import clinic
from intake.models import ReviewLetter, ReviewRequest, SentEmail, SentEmailKind
from intake.processing.tasks import enqueue_processing
from intake.request.letters import letter_url
from intake.request.red_flags import advice_for, routine_note_for

logger = logging.getLogger(__name__)


def enqueue_after_submit(review_request_id: int) -> None:
    """Everything that follows a kept request; called by the service once the transaction commits.

    The task rows go in one transaction: all of them or none, and one commit (a flush of
    Postgres's log to disk) instead of one per task, which the form's bench showed waiting behind
    the uploads' own writes to the same disk."""
    with transaction.atomic():
        email_patient_confirmation.enqueue(review_request_id)
        email_intake_inbox.enqueue(review_request_id)
        enqueue_processing(review_request_id)


def _send(template: str, context: dict, to: str) -> None:
    context = {**context, **clinic()}
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"emails/{template}.txt", context)
    EmailMessage(subject=subject, body=body, to=[to]).send()


@contextmanager
def _once(review_request_id: int, kind: SentEmailKind):
    """Yield the request if this e-mail was not sent yet (else None), and record it as sent.

    A task may run twice (a killed worker's task is requeued): the row lock makes a second run wait
    for the first, and the SentEmail row makes it send nothing. Only a crash between the mail
    server's acceptance and the commit can still send twice.
    """
    with transaction.atomic():
        review_request = ReviewRequest.objects.select_for_update().get(pk=review_request_id)
        if SentEmail.objects.filter(request=review_request, kind=kind).exists():
            logger.info("E-mail %s for review request %s was already sent", kind, review_request_id)
            yield None
            return
        yield review_request
        SentEmail.objects.create(request=review_request, kind=kind)


@task
def email_patient_confirmation(review_request_id: int) -> None:
    """First name, reference and next steps only: e-mail is not a safe place for health details."""
    with _once(review_request_id, SentEmailKind.PATIENT_CONFIRMATION) as review_request:
        if review_request is None:
            return
        # In the language of the form the patient sent: the words, the advice and the links.
        with translation.override(review_request.language):
            context = {
                "first_name": review_request.first_name,
                "reference": review_request.reference,
                "advice": advice_for(review_request),
                "routine_note": routine_note_for(review_request),
                "callback_days": settings.INTAKE_CALLBACK_BUSINESS_DAYS,
                "site_url": settings.SITE_URL.rstrip("/") + reverse("home"),
                "status_url": settings.SITE_URL.rstrip("/") + reverse("intake:status"),
            }
            _send("patient_confirmation", context, review_request.email)
    logger.info("Confirmation e-mail sent for review request %s", review_request_id)


@task
def email_intake_inbox(review_request_id: int) -> None:
    """Reference, urgency and a link to the admin; the details stay behind the staff sign-in."""
    with _once(review_request_id, SentEmailKind.INBOX_NOTICE) as review_request:
        if review_request is None:
            return
        # Staff read English (the admin has no other language).
        with translation.override("en"):
            admin_path = reverse("admin:intake_reviewrequest_change", args=[review_request.pk])
        context = {
            "reference": review_request.reference,
            "tier": review_request.get_tier_display(),
            "urgent": review_request.urgent,
            "admin_url": f"{settings.SITE_URL.rstrip('/')}{admin_path}",
        }
        _send("intake_inbox", context, settings.INTAKE_INBOX_EMAIL)
    logger.info("Inbox notice sent for review request %s", review_request_id)


@task
def email_review_ready(letter_id: int) -> None:
    """Tell the patient their review letter is ready: first name, reference and the link only. What
    the surgeon found stays behind the link, the reference and the date of birth."""
    with transaction.atomic():
        letter = (
            ReviewLetter.objects.select_for_update(of=("self",))
            .select_related("review__request")
            .get(pk=letter_id)
        )
        if letter.emailed_at is not None:  # a requeued task: already sent
            logger.info("Review letter %s was already e-mailed", letter_id)
            return
        review_request = letter.review.request
        with translation.override(review_request.language):
            context = {
                "first_name": review_request.first_name,
                "reference": review_request.reference,
                "url": letter_url(letter),
                "expires_at": letter.expires_at,
            }
            _send("review_ready", context, review_request.email)
        letter.emailed_at = timezone.now()
        letter.save(update_fields=["emailed_at"])
    logger.info("Review letter %s e-mailed", letter_id)
