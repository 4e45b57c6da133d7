from django.apps import AppConfig


class BackcareConfig(AppConfig):
    """The project package as an app only so that its system checks are registered."""

    name = "backcare"
    verbose_name = "BackCare"

    def ready(self) -> None:
        from backcare import checks  # noqa: F401 - registers the checks
