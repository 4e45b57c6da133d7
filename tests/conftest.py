from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def collected_static(django_db_blocker):
    """Pages link hashed static names (as in production), which need collectstatic's manifest."""
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Every test writes uploads to its own temporary private folder."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "location": location},
        },
    }
    settings.PRIVATE_STORAGE_ROOT = location
    return location


@pytest.fixture
def seeded(db):
    """The exercise library's seed content, loaded as `make run` loads it."""
    call_command("seed_exercises", verbosity=0)


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached pages and content stamps of one test never answer another (its rows are gone)."""
    cache.clear()
    yield
    cache.clear()
