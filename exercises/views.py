from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def library(request: HttpRequest) -> HttpResponse:
    return render(request, "exercises/library.html")
