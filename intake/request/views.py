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
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from intake import ratelimit
from intake.models import ReviewRequest
from intake.request.forms import MoreFilesForm, ReviewRequestForm
from intake.request.services import (
    StagedUploadsChanged,
    add_patient_files,
    find_upload_link,
    submit_review_request,
)
from intake.rules import SafetyTier, red_flags_of
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
# process with stand-ins, and each GET puts its own CSRF token and submission token in their place.
# Neither a template nor a token can hold a NUL, so the stand-ins match nothing else. Rendered afresh
# when a setting changes (tests), and on every GET in development, where templates are edited live.
_CSRF_MARK = "\x00csrf\x00"
_SUBMISSION_MARK = "\x00submission-token\x00"
_empty_form: dict[str, str] = {}


def _empty_form_page(request: HttpRequest) -> str:
    html = _empty_form.get("html")
    if html is None:
        form = ReviewRequestForm(initial={"submission_token": _SUBMISSION_MARK})
        context = {"form": form, "csrf_token": _CSRF_MARK}
        html = render_to_string("intake/request.html", context, request)
        if not settings.DEBUG:
            _empty_form["html"] = html
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
            form=form, files=form.accepted_files, staged=form.staged_uploads
        )
    except StagedUploadsChanged:
        form.add_error(
            "staged", "Your uploaded files changed while you sent the form: send it again."
        )
        form.staged_uploads = []
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
            "advice": review_request.advice,
            "emergency": review_request.tier == SafetyTier.EMERGENCY,
            "routine_note": review_request.routine_advice,
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
    added = add_patient_files(link=link, files=form.accepted_files)
    if not added:
        return render(request, "intake/more_files_gone.html", status=HTTPStatus.GONE)
    return render(
        request,
        "intake/more_files_thanks.html",
        {"reference": link.request.reference, "count": len(added)},
    )
