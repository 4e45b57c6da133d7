"""Staff roles as groups of permissions, for every app (intake's triage roles, the exercises'
clinical reviewer). Migrations keep frozen copies of what they need; live code calls this."""


def set_role(apps, name: str, app_label: str, codenames: list[str]) -> None:
    """Create (or reset) group `name` with exactly these permissions of `app_label`.

    `apps` is a migration's app registry or django.apps.apps. Permissions are normally created after
    all migrations have run; a group made by a migration needs them now, so they are made first.
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=name)
    permissions = list(
        Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )
    if len(permissions) != len(codenames):
        raise RuntimeError(f"Missing permissions for the role {name}")
    group.permissions.set(permissions)
