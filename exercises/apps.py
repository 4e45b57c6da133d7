from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "exercises"
    verbose_name = "Exercise library"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from exercises.models import forget_content_stamp

        # Every model of the library, its many-to-many tables included: a change to any of them is
        # a new version of the public pages.
        for model in self.get_models(include_auto_created=True):
            post_save.connect(
                forget_content_stamp, sender=model, dispatch_uid=f"stamp-save-{model}"
            )
            post_delete.connect(
                forget_content_stamp, sender=model, dispatch_uid=f"stamp-delete-{model}"
            )
            m2m_changed.connect(
                forget_content_stamp, sender=model, dispatch_uid=f"stamp-m2m-{model}"
            )
