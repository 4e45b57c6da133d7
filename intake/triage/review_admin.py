"""The request page's "Surgeon's review" section: signing a review or a correction, the letter's
preview and the explicit "send" (intake/triage/review.py does the work)."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intake.models import ReviewLetter, ReviewNotAllowed, ReviewRequest, SurgeonReview
from intake.request import letters
from intake.triage import review as reviews


class ReviewAdminMixin:
    """Mixed into the request's admin before TriageAdminMixin; its own URLs and context only."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and request.user.has_perm("intake.view_surgeonreview"):
            versions = list(obj.surgeon_reviews.select_related("signed_by").order_by("-version"))
            extra_context = {
                **(extra_context or {}),
                "surgeon_reviews": versions,
                "review_letters": ReviewLetter.objects.filter(review__request=obj).select_related(
                    "review", "sent_by"
                ),
                "can_sign": request.user.has_perm(reviews.SIGN_PERMISSION),
                "can_send_letter": request.user.has_perm(reviews.SEND_PERMISSION),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        def wrap(view, methods):
            return self.admin_site.admin_view(methods(view))

        return [
            path(
                "<path:object_id>/triage/review/",
                wrap(self.sign_review_view, require_http_methods(["GET", "POST"])),
                name="intake_rr_sign_review",
            ),
            path(
                "<path:object_id>/triage/review/<int:version>/letter.pdf",
                wrap(self.letter_preview_view, require_GET),
                name="intake_rr_letter_preview",
            ),
            path(
                "<path:object_id>/triage/review/<int:version>/send/",
                wrap(self.send_letter_view, require_POST),
                name="intake_rr_send_letter",
            ),
            *super().get_urls(),
        ]

    def _review_of(self, request, object_id: str, version: int, permission: str):
        obj = self._request_for(request, object_id, permission)
        return get_object_or_404(SurgeonReview, request=obj, version=version)

    def sign_review_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._request_for(request, object_id, reviews.SIGN_PERMISSION)
        previous = SurgeonReview.objects.latest_of(obj)
        if request.method == "POST":
            form = reviews.SurgeonReviewForm(request.POST)
            formset = reviews.FindingFormSet(request.POST, prefix="findings")
            if form.is_valid() and formset.is_valid():
                signed = self._sign(request, obj, form, formset)
                if signed is not None:
                    return HttpResponseRedirect(self._review_anchor(obj))
        else:
            initial, rows = reviews.initial_from(previous)
            form = reviews.SurgeonReviewForm(initial=initial)
            formset = reviews.FindingFormSet(initial=rows, prefix="findings")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Sign a review of {obj.reference}",
            "original": obj,
            "opts": self.opts,
            "form": form,
            "formset": formset,
            "previous": previous,
        }
        return TemplateResponse(request, "admin/intake/reviewrequest/sign_review.html", context)

    def _sign(self, request, obj: ReviewRequest, form, formset) -> SurgeonReview | None:
        try:
            review = reviews.sign_review(
                review_request=obj,
                user=request.user,
                findings=formset.rows,
                **form.cleaned_data,
            )
        except ReviewNotAllowed as refused:
            form.add_error(None, str(refused))
            return None
        messages.success(request, f"Review version {review.version} of {obj.reference} is signed.")
        return review

    def _review_anchor(self, obj: ReviewRequest) -> str:
        return reverse("admin:intake_reviewrequest_change", args=[obj.pk]) + "#triage-review"

    def letter_preview_view(self, request: HttpRequest, object_id: str, version: int):
        """The letter exactly as the patient will get it; access-logged. A download, not shown
        inline: browsers' PDF viewers may refuse to run under the site's CSP (object-src 'none')."""
        review = self._review_of(request, object_id, version, "intake.view_surgeonreview")
        response = HttpResponse(letters.letter_pdf(review), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            True, letters.download_name(review)
        )
        reviews.record_preview(request=request, review=review)
        return response

    def send_letter_view(self, request: HttpRequest, object_id: str, version: int):
        review = self._review_of(request, object_id, version, reviews.SEND_PERMISSION)
        try:
            reviews.send_review_letter(review=review, user=request.user)
        except ReviewNotAllowed as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                f"The letter is on its way: the patient of {review.request.reference} gets an "
                "e-mail with a link.",
            )
        return HttpResponseRedirect(self._review_anchor(review.request))
