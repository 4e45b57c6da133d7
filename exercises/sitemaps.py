"""sitemap.xml and robots.txt for the public pages."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from exercises.models import Exercise, Routine


class PagesSitemap(Sitemap):
    changefreq = "monthly"
    # Each page in every language (settings.LANGUAGES), with hreflang alternates and x-default.
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["home", "exercises:library", "intake:request"]

    def location(self, item):
        return reverse(item)


class ExerciseSitemap(Sitemap):
    changefreq = "monthly"
    # Each page in every language (settings.LANGUAGES), with hreflang alternates and x-default.
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Exercise.objects.published().only("slug", "updated_at")

    def lastmod(self, obj):
        return obj.updated_at


class RoutineSitemap(Sitemap):
    changefreq = "monthly"
    # Each page in every language (settings.LANGUAGES), with hreflang alternates and x-default.
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Routine.objects.published().only("slug", "updated_at")

    def lastmod(self, obj):
        return obj.updated_at


SITEMAPS = {"pages": PagesSitemap, "exercises": ExerciseSitemap, "routines": RoutineSitemap}


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /exercises/*/print/",
        "Disallow: /exercises/routines/*/print/",
        "",
        f"Sitemap: {settings.SITE_URL.rstrip('/')}{reverse('sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
