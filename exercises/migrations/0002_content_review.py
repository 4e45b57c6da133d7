"""Real clinical reviews replace the free-text reviewer fields.

The old fields held names, credentials and dates that the seed text made up; nothing tells a real
entry from an invented one, so they are dropped, and no review is created in their place. Every page
then says it awaits review until a clinician records one in the admin. Also creates the "Clinical
reviewer" role (a frozen copy of exercises.roles) and adds the easier and harder versions of each exercise.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Frozen here as it was when this migration was written: a migration must not import live code
# (exercises.roles and backcare.roles may change; this must not).
CLINICAL_REVIEWER = "Clinical reviewer"
CLINICAL_REVIEWER_PERMISSIONS = [
    "record_review",
    "view_contentreview",
    "view_exercise",
    "view_step",
    "view_routine",
    "view_routineitem",
]


def create_role(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations have run; the group needs them now.
    app_config = apps.get_app_config("exercises")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=CLINICAL_REVIEWER)
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="exercises", codename__in=CLINICAL_REVIEWER_PERMISSIONS
        )
    )
    if len(permissions) != len(CLINICAL_REVIEWER_PERMISSIONS):
        raise RuntimeError(f"Missing permissions for the role {CLINICAL_REVIEWER}")
    group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(
            model_name="exercise",
            name="last_reviewed",
        ),
        migrations.RemoveField(
            model_name="exercise",
            name="next_review",
        ),
        migrations.RemoveField(
            model_name="exercise",
            name="reviewer_credentials",
        ),
        migrations.RemoveField(
            model_name="exercise",
            name="reviewer_name",
        ),
        migrations.RemoveField(
            model_name="routine",
            name="last_reviewed",
        ),
        migrations.RemoveField(
            model_name="routine",
            name="next_review",
        ),
        migrations.RemoveField(
            model_name="routine",
            name="reviewer_credentials",
        ),
        migrations.RemoveField(
            model_name="routine",
            name="reviewer_name",
        ),
        migrations.AddField(
            model_name="exercise",
            name="easier_version",
            field=models.TextField(
                default="",
                help_text="How to make it easier when it is too hard.",
                verbose_name="to make it easier",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="exercise",
            name="progression",
            field=models.TextField(
                default="",
                help_text="How to progress when it feels easy.",
                verbose_name="to make it harder",
            ),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="ContentReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reviewer_name", models.CharField(max_length=150)),
                ("credentials", models.CharField(help_text="e.g. PT, DPT", max_length=120)),
                ("reviewed_on", models.DateField()),
                ("content_version", models.CharField(max_length=64)),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "exercise",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="exercises.exercise",
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="content_reviews",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "routine",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="exercises.routine",
                    ),
                ),
            ],
            options={
                "ordering": ["-recorded_at", "-pk"],
                "permissions": [("record_review", "Can record a clinical review")],
                "default_permissions": ("view",),
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("exercise__isnull", False), ("routine__isnull", True)),
                            models.Q(("exercise__isnull", True), ("routine__isnull", False)),
                            _connector="OR",
                        ),
                        name="review_of_one_item",
                    )
                ],
            },
        ),
        migrations.RunPython(create_role, migrations.RunPython.noop),
    ]
