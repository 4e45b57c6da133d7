"""The app's database role cannot turn the database against its own audit log (issue #12).

The app connects as a role that owns nothing and is no superuser (DATABASE_URL); the tables, their
triggers and migrations belong to the owner role (MIGRATION_DATABASE_URL). Every attack below runs
on a connection of the app's role to the test database, and leaves each access record as it was.
"""

import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from psycopg.errors import InsufficientPrivilege

from intake.db_roles import grant_app_privileges
from intake.models import AccessLog
from tests.database_support import app_database_url

UPDATE = "UPDATE intake_accesslog SET detail = 'changed'"
DELETE = "DELETE FROM intake_accesslog"
TRUNCATE = "TRUNCATE intake_accesslog"
TRIGGERS = "{pgtrigger_accesslog_append_only_9b3ee,pgtrigger_accesslog_no_truncate_33374}"


@pytest.fixture
def records(transactional_db):
    """Access records committed, so the app's role sees them; and how they read now."""
    for reference in ["BC-2345-6789", "BC-3456-7890", "BC-4567-8901"]:
        AccessLog.objects.create(action="view", reference=reference, detail="seen")

    def now():
        return list(AccessLog.objects.order_by("pk").values_list("pk", "reference", "detail"))

    before = now()
    return before, now


@pytest.fixture
def app_connection():
    with psycopg.connect(app_database_url(), autocommit=True) as app:
        yield app


def test_the_app_connects_as_a_role_that_owns_nothing_and_is_no_superuser(app_connection):
    row = app_connection.execute(
        "SELECT current_user, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication,"
        " EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid)"
        " FROM pg_roles r WHERE rolname = current_user"
    ).fetchone()
    assert row[1:] == (False,) * 6, (
        f"The tests' DATABASE_URL connects as {row[0]}, which may alter tables: run them as "
        "`make test` does (DATABASE_URL the runtime role, MIGRATION_DATABASE_URL the owner)."
    )
    owner = connection.settings_dict["USER"]
    member = app_connection.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [owner])
    assert member.fetchone() == (False,)


@pytest.mark.parametrize(
    ("first", "writes"),
    [
        pytest.param(None, [TRUNCATE], id="truncate"),
        pytest.param(None, [UPDATE], id="update"),
        pytest.param(None, [DELETE], id="delete"),
        pytest.param("SET session_replication_role = replica", [UPDATE, DELETE], id="replica"),
        pytest.param(
            "ALTER TABLE intake_accesslog DISABLE TRIGGER ALL", [UPDATE, DELETE], id="no-triggers"
        ),
        pytest.param(
            "DROP TRIGGER pgtrigger_accesslog_append_only_9b3ee ON intake_accesslog",
            [UPDATE, DELETE],
            id="drop-trigger",
        ),
        pytest.param(
            "CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(name) RETURNS boolean"
            " LANGUAGE sql AS 'SELECT true'",
            [UPDATE, DELETE, TRUNCATE],
            id="replace-trigger-function",
        ),
    ],
)
def test_the_app_role_cannot_change_or_empty_the_access_log(records, app_connection, first, writes):
    before, now = records
    for statement in [first, *writes] if first else writes:
        with pytest.raises(InsufficientPrivilege):
            app_connection.execute(statement)
    assert now() == before


def test_the_app_role_cannot_switch_the_triggers_off_as_django_pgtrigger_lets_tests_do(
    records, app_connection
):
    """pgtrigger.ignore is a setting any session may set: the triggers then stand aside, and only
    the missing privileges stop the app's role."""
    before, now = records
    app_connection.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [TRIGGERS])
    for statement in [UPDATE, DELETE, TRUNCATE]:
        with pytest.raises(InsufficientPrivilege):
            app_connection.execute(statement)
    assert now() == before


def test_the_app_role_still_reads_and_adds_access_records(records, app_connection):
    before, now = records
    app_connection.execute(
        "INSERT INTO intake_accesslog (at, action, reference, detail)"
        " VALUES (now(), 'view', 'BC-5678-9012', '')"
    )
    assert app_connection.execute("SELECT count(*) FROM intake_accesslog").fetchone() == (4,)
    assert now()[:3] == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        (TRUNCATE, "Cannot truncate"),
        (UPDATE, "Cannot update or delete"),
        (DELETE, "Cannot update or delete"),
    ],
)
def test_the_triggers_refuse_even_the_owner(sql, refusal):
    AccessLog.objects.create(action="view", reference="BC-2345-6789")
    with connection.cursor() as cursor:
        # The row's deferred foreign-key check would block TRUNCATE before the trigger runs.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match=refusal), transaction.atomic():
            cursor.execute(sql)
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db
def test_migrate_refuses_to_give_the_app_a_role_that_could_alter_tables():
    with pytest.raises(CommandError, match="SUPERUSER"):
        grant_app_privileges(connection, "postgres")
    with pytest.raises(CommandError, match="membership of the owner role"):
        grant_app_privileges(connection, connection.settings_dict["USER"])


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def url(name: str, user: str | None = None) -> str:
    """The test database (or another), as the owner (or another role)."""
    database = connection.settings_dict
    return f"postgres://{user or database['USER']}@{database['HOST']}:{database['PORT']}/{name}"


def test_migrate_refuses_an_owner_url_that_names_another_database():
    result = manage(
        {
            "DATABASE_URL": app_database_url(),
            "MIGRATION_DATABASE_URL": url("some_other_database"),
        },
        "migrate",
        "--no-input",
    )
    assert result.returncode != 0
    assert "name different databases" in result.stderr


def test_create_db_roles_refuses_a_superuser_as_the_app_role():
    """It checks before it changes anything, so any role may be its admin here."""
    name = connection.settings_dict["NAME"]
    result = manage(
        {"DATABASE_URL": url(name, user="postgres"), "MIGRATION_DATABASE_URL": url(name)},
        "create_db_roles",
        "--admin-url",
        url(name),
    )
    assert result.returncode != 0
    assert "postgres has SUPERUSER" in result.stderr
