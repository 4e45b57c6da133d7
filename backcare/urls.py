from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from backcare import bench_views, views
from backcare.staff_auth import install_admin_site
from exercises.sitemaps import SITEMAPS, robots_txt

# Every admin page needs the second factor (django-otp), and the home shows the triage counts.
install_admin_site()

# Machine and staff URLs: one address, no language (README, "Languages").
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("admin/", admin.site.urls),
]

# Patient pages: English at the plain URLs (unchanged), Spanish under /es/. The intake include also
# holds the tus and staff-file URLs; the pages reverse those in English, so they are only ever used
# unprefixed (nginx's upload limits match /mri-review/uploads/).
urlpatterns += i18n_patterns(
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("privacy/", TemplateView.as_view(template_name="privacy.html"), name="privacy"),
    path("exercises/", include("exercises.urls")),
    path("mri-review/", include("intake.urls")),
    prefix_default_language=False,
)

if settings.BENCHMARK_BASELINE:
    urlpatterns += [
        path("_bench/bytes/<int:size>", bench_views.bench_bytes, name="bench_bytes"),
        path("_bench/sink", bench_views.bench_sink, name="bench_sink"),
    ]

handler400 = "backcare.views.bad_request"
handler500 = "backcare.views.server_error"
