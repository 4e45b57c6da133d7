from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods


@require_http_methods(["GET", "POST"])
def request_review(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/request.html")
