"""Django's admin autodiscovery imports `intake.admin`; the triage room registers the ModelAdmins."""

from intake.triage import admin  # noqa: F401
