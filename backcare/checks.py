"""System checks for a deployment (`manage.py check --deploy`, run by `make lint`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - names, not a bind


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs) -> list[checks.Warning]:
    """E-mails and the patients' single-use "more files" links are built from SITE_URL: in
    production it must be the site's public https address, not this machine's."""
    site = urlsplit(settings.SITE_URL)
    if site.scheme == "https" and site.hostname and site.hostname not in LOCAL_HOSTS:
        return []
    return [
        checks.Warning(
            f"SITE_URL is {settings.SITE_URL!r}: links in e-mails would point there.",
            hint="Set SITE_URL to the site's public address, e.g. https://backcare.example.org.",
            id="backcare.W001",
        )
    ]
