"""Shared set-up for the pipeline tests: submit through the real form and service, files on disk."""

import io

from PIL import Image

from intake.models import PREVIEWS_PREFIX, Preview, ReviewRequest
from intake.uploads.storage import PrivateFileSystemStorage
from tests.intake_support import post_request


def submit(client, capture_on_commit, files, **overrides) -> ReviewRequest:
    """Post the form with real files; the after-commit tasks run at once (intake_settings)."""
    with capture_on_commit(execute=True):
        response = post_request(client, files=files, **overrides)
    assert response.status_code == 302, response.content[:2000]
    return ReviewRequest.objects.latest("submitted_at")


def preview_image(preview: Preview) -> Image.Image:
    with preview.file.open("rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    assert image.format == "PNG"
    assert image.size == (preview.width, preview.height)
    return image


def preview_files(private_storage) -> set[str]:
    return {name for name in private_storage.names() if name.startswith(f"{PREVIEWS_PREFIX}/")}


class FailingPreviewStorage(PrivateFileSystemStorage):
    """Private storage whose Nth preview save fails as a full disk would: a real OSError raised in the
    real save path, part-way through processing."""

    fail_on_save = 0  # 1 = the first preview save fails; 0 = none does
    preview_saves = 0

    def _save(self, name, content):
        if name.startswith(f"{PREVIEWS_PREFIX}/"):
            type(self).preview_saves += 1
            if type(self).preview_saves == type(self).fail_on_save:
                raise OSError(28, "No space left on device")
        return super()._save(name, content)


def use_failing_storage(settings, *, fail_on_save: int) -> None:
    FailingPreviewStorage.fail_on_save = fail_on_save
    FailingPreviewStorage.preview_saves = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "BACKEND": "tests.pipeline_support.FailingPreviewStorage",
        },
    }
