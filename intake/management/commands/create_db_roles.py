"""Create the database's two roles and the database itself; run once per machine as a Postgres
administrator (safe to repeat: `make db` runs it every time).

- The owner, MIGRATION_DATABASE_URL's user, owns the database, its `public` schema and every object
  in it, and runs migrations. Objects another role owns (a database migrated before there were two
  roles) are handed over to it.
- The runtime role, DATABASE_URL's user, only logs in: no superuser, no CREATEDB, no CREATEROLE, no
  BYPASSRLS, no replication, and it owns nothing. `manage.py migrate` grants it what the app needs
  (intake/db_roles.py).

A password in either URL is set on its role; without one, the server's pg_hba.conf decides (trust on a
development machine). An existing runtime role is checked, never changed: a URL that names a superuser
is refused rather than demoted.
"""

import contextlib

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql

RUNTIME_ATTRIBUTES = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION"
# Objects in `public` that another role owns, tables first; an extension's own objects (pg_trgm's
# functions) stay with the extension, and sequences that belong to a column move with their table.
FOREIGN_RELATIONS = """
    SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                          WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
           c.oid::regclass::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)
      AND NOT EXISTS (
          SELECT 1 FROM pg_depend d
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i')
      )
    ORDER BY c.relkind = 'S'
"""
FOREIGN_FUNCTIONS = """
    SELECT p.oid::regprocedure::text
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)
      AND NOT EXISTS (
          SELECT 1 FROM pg_depend d
          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      )
"""
ELEVATED = ("SUPERUSER", "CREATEDB", "CREATEROLE", "BYPASSRLS", "REPLICATION", "the owner's rights")
RUNTIME_ROLE_CHECK = """
    SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication,
           pg_has_role(r.oid, (SELECT oid FROM pg_roles WHERE rolname = %s), 'MEMBER')
    FROM pg_roles r WHERE rolname = %s
"""


class Command(BaseCommand):
    help = "Create the owner and runtime database roles and the database (run as a Postgres admin)."
    # The system checks connect as DATABASE_URL's role, which may not exist yet.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin-url",
            required=True,
            help="A role that may create roles and databases, e.g. "
            "postgres://postgres@127.0.0.1:5432/postgres",
        )
        parser.add_argument(
            "--owner-createdb",
            action="store_true",
            help="Let the owner create databases (pytest-django creates its test database as the "
            "owner). For development machines.",
        )

    def handle(self, *args, admin_url: str, owner_createdb: bool, **options):
        app, owner = settings.DATABASES["default"], settings.MIGRATION_DATABASE
        if app["USER"] == owner["USER"]:
            raise CommandError(
                "DATABASE_URL and MIGRATION_DATABASE_URL name the same role: set "
                "MIGRATION_DATABASE_URL to the owner role and DATABASE_URL to the runtime role."
            )
        if app["NAME"] != owner["NAME"]:
            raise CommandError("DATABASE_URL and MIGRATION_DATABASE_URL name different databases.")
        name = app["NAME"]
        with psycopg.connect(admin_url, autocommit=True) as admin:
            # Before anything changes: an existing runtime role is checked, never altered.
            self._check_runtime_role(admin, app["USER"], owner["USER"])
            owner_attributes = "NOSUPERUSER NOCREATEROLE NOBYPASSRLS"
            self._ensure_role(admin, owner, f"{owner_attributes} NOCREATEDB")
            if owner_createdb:
                admin.execute(
                    sql.SQL("ALTER ROLE {} CREATEDB").format(sql.Identifier(owner["USER"]))
                )
                # Test databases left by a run as another role: the owner must be able to drop them.
                for (test_database,) in admin.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s",
                    ["test\\_" + name.replace("_", "\\_") + "%"],
                ).fetchall():
                    admin.execute(
                        sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                            sql.Identifier(test_database), sql.Identifier(owner["USER"])
                        )
                    )
            self._ensure_role(admin, app, RUNTIME_ATTRIBUTES)
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            statement = "ALTER DATABASE {} OWNER TO {}" if exists else "CREATE DATABASE {} OWNER {}"
            admin.execute(
                sql.SQL(statement).format(sql.Identifier(name), sql.Identifier(owner["USER"]))
            )
        with psycopg.connect(admin_url, dbname=name, autocommit=True) as database:
            self._hand_over(database, owner["USER"])
        self.stdout.write(f"Roles {owner['USER']} (owner) and {app['USER']} (runtime) are ready.")

    def _ensure_role(self, admin, database: dict, attributes: str) -> None:
        role = sql.Identifier(database["USER"])
        if not admin.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", [database["USER"]]
        ).fetchone():
            # Another `make db` may make it at the same moment.
            with contextlib.suppress(psycopg.errors.DuplicateObject):
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN " + attributes).format(role))
        if database["PASSWORD"]:
            admin.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(database["PASSWORD"]))
            )

    def _check_runtime_role(self, admin, role: str, owner: str) -> None:
        # pg_has_role is NULL while the owner role does not exist yet; no row while the role doesn't.
        row = admin.execute(RUNTIME_ROLE_CHECK, [owner, role]).fetchone()
        elevated = [name for name, value in zip(ELEVATED, row or [], strict=False) if value]
        if elevated:
            raise CommandError(
                f"DATABASE_URL's role {role} has {', '.join(elevated)}: the app must connect as a "
                "role that owns nothing and cannot alter tables. Point DATABASE_URL at another role."
            )

    def _hand_over(self, database, owner: str) -> None:
        """The owner owns the schema and everything in it; nobody else may create objects there."""
        to = sql.Identifier(owner)
        database.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(to))
        database.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        # Tables come first (kind "r"), and their identity sequences and indexes follow them.
        for kind, relation in database.execute(FOREIGN_RELATIONS, [owner]).fetchall():
            database.execute(
                sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(kind), sql.SQL(relation), to)
            )
        # django-pgtrigger's functions too: a migration that replaces one must own it.
        for (function,) in database.execute(FOREIGN_FUNCTIONS, [owner]).fetchall():
            database.execute(sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(function), to))
