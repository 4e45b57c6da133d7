"""The stray-file sweep also removes old preview files that no Preview row points to."""

import os
import time

import pytest
from django.core.management import call_command

from intake.models import Preview
from tests.factories import mr_small_bytes
from tests.intake_support import intake_settings  # noqa: F401
from tests.pipeline_support import submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]


def age(path, hours: int) -> None:
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_old_preview_files_without_a_row_are_swept_and_kept_ones_stay(
    client, django_capture_on_commit_callbacks, private_storage
):
    submit(client, django_capture_on_commit_callbacks, [("mr.dcm", mr_small_bytes())])
    kept = private_storage.location / Preview.objects.get().file.name
    folder = kept.parent
    old_stray = folder / "0123456789abcdef0123456789abcdef.png"
    new_stray = folder / "fedcba9876543210fedcba9876543210.png"
    old_stray.write_bytes(b"left by a killed worker")
    new_stray.write_bytes(b"maybe being processed right now")
    for path in (kept, old_stray):
        age(path, 30)

    call_command("sweep_stray_uploads")

    assert kept.exists()
    assert not old_stray.exists()
    assert new_stray.exists()
