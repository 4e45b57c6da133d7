from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from backcare import views

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("privacy/", TemplateView.as_view(template_name="privacy.html"), name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("exercises/", include("exercises.urls")),
    path("mri-review/", include("intake.urls")),
    path("admin/", admin.site.urls),
]
