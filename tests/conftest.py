import os
from pathlib import Path

import pgtrigger
import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations
from django.utils import translation

from intake.db_roles import grant_app_privileges
from tests.database_support import APP_ROLE
from tests.redis_support import private_redis
from tests.storage_support import BucketFiles, LocalFiles, MotoServer, stop

ROLE_KEYS = ("USER", "PASSWORD", "HOST", "PORT")

STORAGE_BACKENDS = ["local", "s3"]

# The developer's set-up stays out of the tests. This process already ignores .env and REDIS_URL
# (backcare/settings.py, under pytest); every process a test starts inherits this environment, so it
# skips .env as well and uses a Redis only when the test hands it one (the redis_server fixture).
os.environ["BACKCARE_TESTING"] = "1"
os.environ.pop("REDIS_URL", None)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "every_storage: run the test on local private files and on an S3 bucket"
    )


def pytest_generate_tests(metafunc):
    if "private_storage" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "every_storage"
    ):
        metafunc.parametrize("private_storage", STORAGE_BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """pytest-django creates, migrates and empties the test database through "default": connect it
    as the owner role (MIGRATION_DATABASE_URL), as `manage.py migrate` does. The app's role is kept
    for the servers and workers the tests start (tests.database_support.app_database_url)."""
    default = settings.DATABASES["default"]
    APP_ROLE.update({key: default[key] for key in ROLE_KEYS})
    default.update({key: settings.MIGRATION_DATABASE.get(key, "") for key in ROLE_KEYS})


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The app's role gets its grants on the test database, as `manage.py migrate` gives them.

    Django's TransactionTestCase empties the tables with one TRUNCATE, which the access log's trigger
    refuses; the test database's flush alone skips that trigger (pgtrigger.ignore), so the trigger
    stays on for every test, including the one that proves it."""
    with django_db_blocker.unblock():
        if APP_ROLE["USER"] != connection.settings_dict["USER"]:
            grant_app_privileges(connection, APP_ROLE["USER"])
    execute_sql_flush = DatabaseOperations.execute_sql_flush

    def flush(self, sql_list):
        with pgtrigger.ignore(
            "intake.AccessLog:accesslog_no_truncate", databases=[self.connection.alias]
        ):
            execute_sql_flush(self, sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", flush)
        yield


@pytest.fixture(scope="session", autouse=True)
def collected_static(django_db_blocker):
    """Pages link hashed static names (as in production), which need collectstatic's manifest."""
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    """A local S3 server (moto) in its own process, for the whole test session."""
    server = MotoServer.start(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    stop(server.process)


@pytest.fixture
def redis_server():
    """A Redis of this test's own (a private redis-server on a Unix socket), as a REDIS_URL."""
    with private_redis() as url:
        yield url


@pytest.fixture(autouse=True)
def private_storage(request, settings, tmp_path):
    """Every test writes uploads to its own private place: a temporary folder, or (tests marked
    every_storage, second run) its own bucket on the local S3 server."""
    backend = getattr(request, "param", "local")
    if backend == "s3":
        server = request.getfixturevalue("moto_server")
        files = BucketFiles(server, server.new_bucket())
        settings.STORAGES = {**settings.STORAGES, "default": server.storage_settings(files.bucket)}
        settings.STORAGE_BACKEND = "s3"
        yield files
        files.empty()
        return
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "intake.uploads.storage.PrivateFileSystemStorage",
            "OPTIONS": {
                "location": location,
                "base_url": None,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        },
    }
    settings.STORAGE_BACKEND = "local"
    settings.PRIVATE_STORAGE_ROOT = location
    # Received files land on the same filesystem, as in production (linked into place, not copied),
    # beside the folder rather than in it, so a test's list of kept files never sees one mid-request.
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    (tmp_path / "incoming").mkdir()  # Django's system check wants it to exist
    yield LocalFiles(location)


@pytest.fixture
def seeded(db):
    """The exercise library's seed content, loaded as `make run` loads it."""
    call_command("seed_exercises", verbosity=0)


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's admin client, signed in past the admin's second factor (django-otp)."""
    from django.test import Client

    from tests.triage_support import otp_login

    return otp_login(Client(), admin_user)


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached pages and content stamps of one test never answer another (its rows are gone)."""
    for kept in caches.all(initialized_only=False):
        kept.clear()
    yield
    for kept in caches.all(initialized_only=False):
        kept.clear()


@pytest.fixture(autouse=True)
def default_language():
    """A page in Spanish leaves Spanish active in the test's thread (LocaleMiddleware activates a
    language per request and never deactivates it); the next test starts in the default language."""
    yield
    translation.deactivate()
