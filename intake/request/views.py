import uuid
from http import HTTPStatus

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from intake import ratelimit
from intake.enums import AccessAction, AccessOutcome, SafetyTier
from intake.models import AccessLog, ReviewLetter, ReviewRequest
from intake.request import letters
from intake.request.forms import (
    LetterAccessForm,
    MoreFilesForm,
    ReviewRequestForm,
    StatusLookupForm,
)
from intake.request.letters import find_letter
from intake.request.red_flags import advice_for, red_flags_of, routine_note_for
from intake.request.services import (
    StagedUploadsChanged,
    add_patient_files,
    find_upload_link,
    submit_review_request,
)
from intake.request.status import log_lookup, patient_status
from intake.uploads import tus
from intake.uploads.handlers import install_intake_upload_handlers

# The request just submitted in this browser session: the confirmation page reads it from here, so
# its URL carries nothing about the patient.
SESSION_KEY = "intake_submitted_request"


# csrf_exempt + csrf_protect on the inner view: the upload handlers must be installed before anything
# (the CSRF check included) reads the body. The transaction is the service's own, so files written
# for a rolled-back request can be removed at once. never_cache: the form shown again with errors
# holds what the patient typed (e-mail, phone, health), and the empty one a one-time token, so no
# browser or proxy may keep either.
@never_cache
@csrf_exempt
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def request_review(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if ratelimit.over_limit(request):
            return render(request, "intake/rate_limited.html", status=HTTPStatus.TOO_MANY_REQUESTS)
        skipped = install_intake_upload_handlers(request).skipped
        return _submit(request, skipped)
    # No session yet: it starts with the first upload (intake.uploads.tus.ensure_owner) or a post.
    return HttpResponse(_empty_form_page(request))


# The empty form is the same for every patient but for its two one-time values, and rendering it
# (crispy, some 40 fields) costs tens of milliseconds (bench/README.md). So it is rendered once per
# process and language with stand-ins, and each GET puts its own CSRF token and submission token in their place.
# Neither a template nor a token can hold a NUL, so the stand-ins match nothing else. Rendered afresh
# when a setting changes (tests), and on every GET in development, where templates are edited live.
_CSRF_MARK = "\x00csrf\x00"
_SUBMISSION_MARK = "\x00submission-token\x00"
_empty_form: dict[str, str] = {}


def _empty_form_page(request: HttpRequest) -> str:
    language = get_language()  # one page per language (/mri-review/, /es/mri-review/)
    html = _empty_form.get(language)
    if html is None:
        form = ReviewRequestForm(initial={"submission_token": _SUBMISSION_MARK})
        context = {"form": form, "csrf_token": _CSRF_MARK}
        html = render_to_string("intake/request.html", context, request)
        if not settings.DEBUG:
            _empty_form[language] = html
    return html.replace(_CSRF_MARK, get_token(request)).replace(_SUBMISSION_MARK, str(uuid.uuid4()))


@receiver(setting_changed)
def _forget_empty_form(**kwargs) -> None:
    _empty_form.clear()


@csrf_protect
def _submit(request: HttpRequest, skipped) -> HttpResponse:
    already = _already_submitted(request.POST.get("submission_token", ""))
    if already is not None:
        return _thanks_redirect(request, already)
    form = ReviewRequestForm(
        request.POST,
        request.FILES,
        skipped_files=skipped,
        upload_owner=tus.session_owner(request),
    )
    if not form.is_valid():
        return render(request, "intake/request.html", {"form": form})
    if form.is_spam:
        # Look the same as success to a spam robot; keep nothing.
        return render(request, "intake/thanks.html", {"review_request": None})
    try:
        review_request = submit_review_request(
            form=form, files=form.cleaned_data["files"], staged=form.cleaned_data["staged"]
        )
    except StagedUploadsChanged:
        form.uploads_changed()
        return render(request, "intake/request.html", {"form": form})
    return _thanks_redirect(request, review_request)


def _already_submitted(token: str) -> ReviewRequest | None:
    try:
        token_uuid = uuid.UUID(token)
    except ValueError:
        return None
    return ReviewRequest.objects.filter(submission_token=token_uuid).first()


def _thanks_redirect(request: HttpRequest, review_request: ReviewRequest) -> HttpResponse:
    request.session[SESSION_KEY] = review_request.pk
    return redirect("intake:thanks")


@never_cache
@require_safe
def thanks(request: HttpRequest) -> HttpResponse:
    pk = request.session.get(SESSION_KEY)
    if pk is None:
        return redirect("intake:request")
    review_request = get_object_or_404(
        ReviewRequest.objects.only(
            "reference",
            "tier",
            "imaging_plan",
            *(flag.field for flag in red_flags_of(SafetyTier.ROUTINE)),
        ),
        pk=pk,
    )
    return render(
        request,
        "intake/thanks.html",
        {
            "review_request": review_request,
            "advice": advice_for(review_request),
            "emergency": review_request.tier == SafetyTier.EMERGENCY,
            "routine_note": routine_note_for(review_request),
            "callback_days": settings.INTAKE_CALLBACK_BUSINESS_DAYS,
        },
    )


# --- More files, through a link staff sent -------------------------------------------------------


@never_cache
@csrf_exempt
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def more_files(request: HttpRequest, token: str) -> HttpResponse:
    """A patient adds files to their request through a single-use, expiring link.

    The page names no patient detail beyond the reference: the link could be forwarded.
    """
    link = find_upload_link(token)
    if link is None:
        return render(request, "intake/more_files_gone.html", status=HTTPStatus.GONE)
    if request.method == "POST":
        if ratelimit.over_limit(request):
            return render(request, "intake/rate_limited.html", status=HTTPStatus.TOO_MANY_REQUESTS)
        skipped = install_intake_upload_handlers(request).skipped
        return _more_files_submit(request, link, skipped)
    return render(request, "intake/more_files.html", {"form": MoreFilesForm(), "link": link})


@csrf_protect
def _more_files_submit(request: HttpRequest, link, skipped) -> HttpResponse:
    form = MoreFilesForm(request.POST, request.FILES, skipped_files=skipped)
    if not form.is_valid():
        return render(request, "intake/more_files.html", {"form": form, "link": link})
    added = add_patient_files(link=link, files=form.cleaned_data["files"])
    if not added:
        return render(request, "intake/more_files_gone.html", status=HTTPStatus.GONE)
    return render(
        request,
        "intake/more_files_thanks.html",
        {"reference": link.request.reference, "count": len(added)},
    )


# --- The review letter, through the link in the patient's e-mail ---------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def review_letter(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's review letter, as a PDF download, for the right reference and date of birth.

    A wrong reference and a wrong date of birth get the same answer; tries are limited per client
    address and per reference; every letter handed over is in the access log. The page names no
    patient detail: the link could be forwarded.
    """
    letter = find_letter(token)
    if letter is None:
        return render(request, "intake/review_letter_gone.html", status=HTTPStatus.NOT_FOUND)
    if not letter.is_current:
        return render(request, "intake/review_letter_gone.html", status=HTTPStatus.GONE)
    review_request = letter.review.request
    form = LetterAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if ratelimit.over_letter_limit(request, review_request.reference):
            return render(
                request, "intake/review_letter_limited.html", status=HTTPStatus.TOO_MANY_REQUESTS
            )
        if form.is_valid():
            if form.matches(review_request):
                return _letter_download(request, letter)
            form.add_error(None, NO_MATCH)
    return render(request, "intake/review_letter_access.html", {"form": form})


def _letter_download(request: HttpRequest, letter: ReviewLetter) -> HttpResponse:
    review = letter.review
    response = HttpResponse(letters.letter_pdf(review), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, letters.download_name(review)
    )
    AccessLog.objects.create(
        user=None,  # the patient
        client_address=request.META.get("REMOTE_ADDR") or None,
        action=AccessAction.LETTER,
        request_id=review.request_id,
        reference=review.request.reference,
        detail=f"letter {letter.pk}, review version {review.version}",
    )
    return response


# --- "Where is my request?" ------------------------------------------------------------------------

NO_MATCH = _(
    "The reference or the date of birth does not match our records. Check both and try again."
)


# never_cache: the answer is one patient's; a POST form, so nothing of it is in the URL. The CSRF
# middleware checks the post.
@never_cache
@require_http_methods(["GET", "POST"])
def request_status(request: HttpRequest) -> HttpResponse:
    """Where a request is, for the right reference and date of birth.

    A wrong reference and a wrong date of birth get the same answer; look-ups are limited per
    client address (before the form is even read) and per reference (before the database is
    asked); each look-up checked is in the access log with its outcome, and so is the first one
    refused in a window (later refusals only count, so a stranger cannot grow the log at will).
    """
    if request.method == "GET":
        return render(request, "intake/status.html", {"form": StatusLookupForm()})
    limit, seconds = settings.INTAKE_STATUS_ATTEMPTS, settings.INTAKE_STATUS_ATTEMPT_SECONDS
    tries = ratelimit.count(request, "status-address", seconds=seconds)
    if tries > limit:
        return _status_limited(request, first=tries == limit + 1, detail="by address")
    form = StatusLookupForm(request.POST)
    if not form.is_valid():
        return render(request, "intake/status.html", {"form": form})
    reference = form.cleaned_data["reference"]
    tries = ratelimit.count_reference(reference, "status-reference", seconds=seconds)
    if tries > limit:
        return _status_limited(
            request, first=tries == limit + 1, reference=reference, detail="by reference"
        )
    review_request, named = form.find()
    if review_request is None:
        log_lookup(
            request,
            AccessOutcome.NO_MATCH,
            typed_reference=reference,
            named=named,
            detail="date of birth differs" if named else "no such reference",
        )
        form.add_error(None, NO_MATCH)
        return render(request, "intake/status.html", {"form": form})
    status = patient_status(review_request)
    log_lookup(
        request,
        AccessOutcome.SHOWN,
        typed_reference=reference,
        named=review_request,
        detail=f"shown: {status.stage.label}",
    )
    return render(
        request,
        "intake/status_result.html",
        {
            "status": status,
            "reference": review_request.reference,
            "callback_days": settings.INTAKE_CALLBACK_BUSINESS_DAYS,
        },
    )


def _status_limited(
    request: HttpRequest, *, first: bool, reference: str = "", detail: str
) -> HttpResponse:
    if first:
        log_lookup(
            request, AccessOutcome.LIMITED, typed_reference=reference, detail=f"limited {detail}"
        )
    return render(request, "intake/status_limited.html", status=HTTPStatus.TOO_MANY_REQUESTS)
