"""System checks: for a deployment (`manage.py check --deploy`, run by `make lint`), and the PDF
libraries every start-up checks."""

import ctypes.util
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


# The system libraries WeasyPrint loads (Debian's packages from `make pdf-libs`).
PDF_LIBRARIES = ("pango-1.0", "pangoft2-1.0", "harfbuzz", "fontconfig")


@checks.register()
def check_pdf_libraries(app_configs, **kwargs) -> list[checks.Error]:
    """The patient's review letter is drawn by WeasyPrint, imported only when a letter is drawn (the
    import takes seconds and 40 MB); so its libraries are looked for here, and a missing one stops
    start-up with a message instead of a failed letter later."""
    missing = [name for name in PDF_LIBRARIES if ctypes.util.find_library(name) is None]
    if not missing:
        return []
    return [
        checks.Error(
            f"Missing system libraries for the review letter's PDF: {', '.join(missing)}.",
            hint="Run `make pdf-libs` (Debian: libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core).",
            id="backcare.E002",
        )
    ]
