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


class TranslatedContentSitemap(Sitemap):
    """An exercise or routine is listed in Spanish only once its Spanish text is complete: until
    then its Spanish address shows the English text (with a note), which is not a Spanish page.

    Used when the sitemap lists each language (`i18n = True`, with language-prefixed URLs).
    """

    changefreq = "monthly"
    # Each page in every language (settings.LANGUAGES), with hreflang alternates and x-default.
    i18n = True
    alternates = True
    x_default = True

    def get_languages_for_item(self, item):
        return [
            code
            for code in super().get_languages_for_item(item)
            if code == "en" or item.has_spanish
        ]

    def lastmod(self, obj):
        return obj.updated_at


class ExerciseSitemap(TranslatedContentSitemap):
    def items(self):
        # The card fields carry the Spanish ones and whether every step has its Spanish.
        return Exercise.objects.published().for_cards()


class RoutineSitemap(TranslatedContentSitemap):
    def items(self):
        return Routine.objects.published().prefetch_related("items")


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
