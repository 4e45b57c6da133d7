"""The stray-file sweep also removes old preview files that no Preview row points to, on local disk
and in a bucket alike."""

from pathlib import PurePosixPath

import pytest
from django.core.management import call_command

from intake.models import Preview
from tests.factories import mr_small_bytes
from tests.intake_support import intake_settings  # noqa: F401
from tests.pipeline_support import submit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("intake_settings"),
    pytest.mark.every_storage,
]


def test_old_preview_files_without_a_row_are_swept_and_kept_ones_stay(
    client, django_capture_on_commit_callbacks, private_storage
):
    submit(client, django_capture_on_commit_callbacks, [("mr.dcm", mr_small_bytes())])
    kept = Preview.objects.get().file.name
    stray = str(PurePosixPath(kept).parent / "0123456789abcdef0123456789abcdef.png")
    private_storage.write(stray, b"left by a killed worker")

    call_command("sweep_stray_uploads")  # default cut-off: the stray may still be in progress
    assert private_storage.exists(stray)

    call_command("sweep_stray_uploads", "--older-than-hours", "0")
    assert private_storage.exists(kept)
    assert not private_storage.exists(stray)
