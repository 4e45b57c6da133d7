"""What the app's database role may do: read and write rows, and nothing more (docs/security.md,
"Database roles"). `manage.py migrate` calls `grant_app_privileges` as the owner after migrating.

The runtime role may read and write rows of every table, except:
- the access log: SELECT and INSERT only (its triggers refuse UPDATE, DELETE and TRUNCATE as well);
- surgeons' reviews: no UPDATE or TRUNCATE (a signed review is never changed; a trigger refuses
  UPDATE as well); DELETE stays, for the cascade when a request is removed;
- django_migrations: SELECT only (only `migrate`, as the owner, records a migration).
Default privileges give the tables of later migrations the same grants the moment they are created.
"""

from django.core.management.base import CommandError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

from intake.models import AccessLog, SurgeonReview

# What the runtime role must not have, each named as the error names it.
ELEVATED = (
    "SUPERUSER",
    "CREATEDB",
    "CREATEROLE",
    "BYPASSRLS",
    "REPLICATION",
    "membership of the owner role",
    "tables of its own",
)
ROLE_CHECK = """
    SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication,
           pg_has_role(r.oid, current_user, 'MEMBER'),
           EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid)
    FROM pg_roles r WHERE rolname = %s
"""


def grant_app_privileges(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give `role` the app's privileges on `connection`'s database; `connection` is the owner's.
    Refuses a role that could change the tables or their triggers. Safe to repeat."""
    quote = connection.ops.quote_name
    app, database = quote(role), quote(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute(ROLE_CHECK, [role])
        row = cursor.fetchone()
        if row is None:
            raise CommandError(f"There is no role {role}: run `manage.py create_db_roles`.")
        elevated = [flag for flag, on in zip(ELEVATED, row, strict=True) if on]
        if elevated:
            raise CommandError(
                f"The app's database role {role} has {', '.join(elevated)}: DATABASE_URL must "
                "name a role that owns nothing (docs/security.md, Database roles)."
            )
        for statement in [
            f"GRANT CONNECT ON DATABASE {database} TO {app}",
            f"GRANT USAGE ON SCHEMA public TO {app}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
            # The audit trail takes new rows only.
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote(AccessLog._meta.db_table)} FROM {app}",
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "
            f"{quote(MigrationRecorder.Migration._meta.db_table)} FROM {app}",
        ]:
            cursor.execute(statement)
        # A signed review is never changed (the table is missing after migrating back past it).
        reviews = SurgeonReview._meta.db_table
        if reviews in connection.introspection.table_names(cursor):
            cursor.execute(f"REVOKE UPDATE, TRUNCATE ON {quote(reviews)} FROM {app}")
