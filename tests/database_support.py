"""The test database as the app's own role reaches it.

pytest-django creates, migrates and empties the test database as the owner role
(MIGRATION_DATABASE_URL; tests/conftest.py), since the app's role may do none of that. The servers,
workers and attacks the tests start connect as the app's role (DATABASE_URL's user), as in production,
so a missing grant fails a test.
"""

from urllib.parse import quote

from django.db import connection

# USER, PASSWORD, HOST and PORT of DATABASE_URL, kept by conftest before the owner's replace them.
APP_ROLE: dict[str, str] = {}


def app_database_url() -> str:
    """postgres:// URL of the current test database, as the app's role."""
    role = APP_ROLE or connection.settings_dict
    user = quote(role["USER"], safe="")
    if role["PASSWORD"]:
        user += ":" + quote(role["PASSWORD"], safe="")
    return f"postgres://{user}@{role['HOST']}:{role['PORT']}/{connection.settings_dict['NAME']}"
