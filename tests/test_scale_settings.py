"""Scaling out is configuration: Redis for cache and sessions, a bucket for files, from env vars."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from intake.uploads.storage import PrivateS3Storage

SHOW = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
default_storage = storages["default"]
print(json.dumps({
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "pages_cache": settings.CACHES["pages"]["BACKEND"],
    "listings_cache": settings.CACHES["listings"]["BACKEND"],
    "sessions": settings.SESSION_ENGINE,
    "storage": type(default_storage).__name__,
    "acl": getattr(default_storage, "default_acl", None),
    "object_parameters": getattr(default_storage, "object_parameters", None),
    "signature_version": getattr(default_storage, "signature_version", None),
    "querystring_expire": getattr(default_storage, "querystring_expire", None),
    "max_memory_size": getattr(default_storage, "max_memory_size", None),
    "bucket": getattr(default_storage, "bucket_name", None),
    "endpoint": getattr(default_storage, "endpoint_url", None),
}))
"""

UNSET = ("REDIS_URL", "STORAGE_BACKEND", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL")


def run_python(env_overrides: dict[str, str], code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update({"DJANGO_SETTINGS_MODULE": "backcare.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def shown(env_overrides: dict[str, str]) -> dict:
    result = run_python(env_overrides, SHOW)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_one_machine_needs_nothing_set():
    values = shown({})
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["sessions"] == "django.contrib.sessions.backends.db"
    assert values["storage"] == "PrivateFileSystemStorage"


def test_redis_url_shares_the_cache_and_sessions():
    values = shown({"REDIS_URL": "redis://redis.internal:6379/0"})
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["cache_location"] == "redis://redis.internal:6379/0"
    assert values["sessions"] == "django.contrib.sessions.backends.cached_db"
    # The library's pages are shared too; searches stay in each process's bounded memory, where a
    # flood of unique ones can evict nothing but other searches.
    assert values["pages_cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["listings_cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_storage_backend_s3_uses_a_private_encrypted_bucket():
    values = shown(
        {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": "clinic-uploads",
            "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
        }
    )
    assert values["storage"] == "PrivateS3Storage"
    assert values["bucket"] == "clinic-uploads"
    assert values["endpoint"] == "https://s3.example.org"
    assert values["acl"] == "private"
    assert values["object_parameters"] == {"ServerSideEncryption": "AES256"}
    assert values["signature_version"] == "s3v4"
    assert values["querystring_expire"] == 60
    assert values["max_memory_size"] == 8 * 1024**2  # larger files spill to disk when read


def test_s3_without_a_bucket_name_stops_with_its_name():
    result = run_python({"STORAGE_BACKEND": "s3"}, SHOW)
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in result.stderr


def test_an_unknown_storage_backend_is_refused():
    result = run_python({"STORAGE_BACKEND": "ftp"}, SHOW)
    assert result.returncode != 0
    assert "STORAGE_BACKEND" in result.stderr


@pytest.mark.parametrize(
    "loosened",
    [
        {"default_acl": "public-read"},
        {"object_parameters": {}},
        {"querystring_auth": False},
        {"custom_domain": "cdn.example.org"},
        {"file_overwrite": True},
    ],
)
def test_the_bucket_privacy_rules_cannot_be_loosened_by_configuration(loosened):
    with pytest.raises(ImproperlyConfigured, match="does not allow changing"):
        PrivateS3Storage(bucket_name="clinic-uploads", **loosened)
