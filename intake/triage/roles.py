"""The two staff roles and exactly what each may do; `create_staff_user` resets them. Migration
0002_triage made them from a frozen copy of this list; README "Roles"."""

ROLES: dict[str, list[str]] = {
    "Intake coordinator": [
        "view_reviewrequest",
        "change_reviewrequest",  # move through the workflow, ask the patient for more files
        "assign_reviewrequest",
        "view_upload",
        "download_upload",
        "add_note",
        "view_note",
    ],
    "Reviewing surgeon": [
        "view_reviewrequest",
        "record_review_outcome",
        "view_upload",
        "download_upload",
        "add_note",
        "view_note",
    ],
}


def create_roles(apps) -> None:
    """Create (or reset) the role groups; `apps` is a migration's app registry or django.apps.apps."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations have run; the groups need them now.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = list(
            Permission.objects.filter(content_type__app_label="intake", codename__in=codenames)
        )
        if len(permissions) != len(codenames):
            raise RuntimeError(f"Missing permissions for the role {name}")
        group.permissions.set(permissions)
