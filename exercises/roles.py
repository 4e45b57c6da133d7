"""The clinical reviewer role: who may record that an exercise or routine was checked.

Created by migration 0002_content_review. Give it to clinicians only; they also need a full name on
their staff account, because the public pages show it.
"""

CLINICAL_REVIEWER = "Clinical reviewer"

CLINICAL_REVIEWER_PERMISSIONS = [
    "record_review",
    "view_contentreview",
    "view_exercise",
    "view_step",
    "view_routine",
    "view_routineitem",
]


def create_clinical_reviewer_role(apps) -> None:
    """Create (or reset) the group; `apps` is a migration's app registry or django.apps.apps."""
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
