"""Home programmes made by staff for one patient; clinical reviewers may make them.

The role's new permissions are frozen here (a migration must not import exercises.roles).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import exercises.models

PROGRAMME_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("programme", "programmeitem")
    for action in ("add", "change", "delete", "view")
]


def grant_clinical_reviewers(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations have run; the group needs them now.
    app_config = apps.get_app_config("exercises")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Clinical reviewer")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="exercises", codename__in=PROGRAMME_PERMISSIONS
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0002_content_review"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Programme",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        default=exercises.models.new_programme_code,
                        editable=False,
                        max_length=8,
                        unique=True,
                    ),
                ),
                (
                    "note",
                    models.TextField(
                        blank=True,
                        help_text="Plain advice, for example when to do the exercises. No name or health details: anyone with the code can read this.",
                        max_length=600,
                        verbose_name="note for the patient",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "home programme",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="ProgrammeItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(default=0)),
                (
                    "reps",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Blank: the exercise's default.",
                        null=True,
                        verbose_name="repetitions",
                    ),
                ),
                ("sets", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("hold_seconds", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("times_per_day", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("note", models.CharField(blank=True, max_length=200)),
                (
                    "exercise",
                    models.ForeignKey(
                        limit_choices_to={"status": "published"},
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="exercises.exercise",
                    ),
                ),
                (
                    "programme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="exercises.programme",
                    ),
                ),
            ],
            options={
                "ordering": ["order", "pk"],
            },
        ),
        migrations.RunPython(grant_clinical_reviewers, migrations.RunPython.noop),
    ]
