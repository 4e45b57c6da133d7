"""Django's `migrate`, connected as the role that owns the tables (MIGRATION_DATABASE_URL), then
granting the app's own role (DATABASE_URL's) what it needs: intake.db_roles.grant_app_privileges.

Why the whole command switches role rather than `migrate --database <owner alias>`: data migrations,
ours and django-tasks-db's, query the default connection, so with a second alias they ran as the app's
role, which may not write while the owner's migration holds the table (it waited for ever).
With one role (MIGRATION_DATABASE_URL unset or equal) this is Django's `migrate` unchanged.
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from intake.db_roles import grant_app_privileges

CONNECTION_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "NAME", "OPTIONS")
SAME_DATABASE_KEYS = ("HOST", "PORT", "NAME")


class Command(migrate.Command):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        runtime = {key: connection.settings_dict[key] for key in CONNECTION_KEYS}
        owner = {"OPTIONS": {}, **settings.MIGRATION_DATABASE}
        if options["database"] != DEFAULT_DB_ALIAS or owner["USER"] == runtime["USER"]:
            return super().handle(*args, **options)
        if any(str(owner[key]) != str(runtime[key]) for key in SAME_DATABASE_KEYS):
            # A MIGRATION_DATABASE_URL left in the environment must never migrate another database.
            raise CommandError(
                "MIGRATION_DATABASE_URL and DATABASE_URL name different databases: "
                f"{owner['NAME']} on {owner['HOST']}:{owner['PORT']} and "
                f"{runtime['NAME']} on {runtime['HOST']}:{runtime['PORT']}."
            )
        connection.close()
        connection.settings_dict.update({key: owner[key] for key in CONNECTION_KEYS})
        try:
            super().handle(*args, **options)
            if not (options["plan"] or options["check_unapplied"]):
                grant_app_privileges(connection, runtime["USER"])
        finally:
            connection.close()
            connection.settings_dict.update(runtime)
