import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from tests.redis_support import private_redis
from tests.storage_support import BucketFiles, LocalFiles, MotoServer, stop

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
            "BACKEND": "intake.storage.PrivateFileSystemStorage",
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
    cache.clear()
    yield
    cache.clear()
