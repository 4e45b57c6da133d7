"""Hostile files sent by resumable upload (tus) are refused when their last chunk arrives, by the same
header checks and in the same words as the plain form, and a real zipped CD still goes through."""

import io
import random
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from tusclient.exceptions import TusUploadFailed

from intake import rules
from intake.models import ReviewRequest, StagedUpload
from intake.uploads import staging
from tests import attack_corpus as corpus
from tests.factories import mr_small_bytes, zipped_dicom_cd
from tests.intake_support import intake_settings, post_request  # noqa: F401
from tests.tus_support import (
    new_session_key,
    staged_bytes,
    staged_parts,
    staged_when_complete,
    tus_client,
    uploader,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("intake_settings")]


@pytest.fixture
def session_key(client):
    key = new_session_key()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return key


ATTACKS = [
    ("my-cd.zip", corpus.zip_bomb, "unpacks to far more than its size (a “zip bomb”)"),
    ("my-cd.zip", corpus.zip_slip, "a file inside the ZIP points outside it"),
    ("my-cd.zip", corpus.zip_symlink, "the ZIP holds a link to another file (a shortcut)"),
    ("my-cd.zip", corpus.zip_encrypted, "locked with a password; make the ZIP again without"),
    ("my-cd.zip", lambda: corpus.zip_nested(3), "the ZIP holds a ZIP inside a ZIP"),
    ("film.png", corpus.pixel_flood_png, "far more pixels than any phone or camera photo"),
    ("IM0001.dcm", lambda: corpus.DICM_JUNK, "starts like an MRI image (DICOM) but cannot be read"),
]


@pytest.mark.every_storage
@pytest.mark.parametrize(
    ("name", "build", "reason"),
    ATTACKS,
    ids=[
        "zip-bomb",
        "zip-slip",
        "zip-symlink",
        "zip-encrypted-member",
        "zip-nested-three-deep",
        "pixel-flood-png",
        "dicm-plus-junk",
    ],
)
def test_a_hostile_file_is_refused_at_completion_with_the_forms_words_and_nothing_is_kept(
    client, live_server, session_key, private_storage, name, build, reason
):
    content = build()
    # Three chunks: the first two are taken, the file is refused when the last one completes it.
    up = tus_client(live_server, session_key).uploader(
        file_stream=io.BytesIO(content),
        metadata={"filename": name},
        chunk_size=len(content) // 3 + 1,
    )
    with pytest.raises(TusUploadFailed) as refused:
        up.upload()

    assert refused.value.status_code == HTTPStatus.UNPROCESSABLE_CONTENT
    text = refused.value.response_content.decode()
    assert text.startswith(f"“{name}” was not accepted: ")
    assert reason in text
    assert text.endswith(f"We accept {rules.ACCEPTED_KINDS_TEXT}.")
    assert up.offset == 2 * (len(content) // 3 + 1)
    assert not StagedUpload.objects.exists()
    assert private_storage.names() == []
    # Nothing the form could attach: the key is unknown, so the form says so and keeps nothing.
    response = post_request(client, imaging_plan="upload", staged=[up.url.rsplit("/", 1)[1]])
    assert response.status_code == HTTPStatus.OK
    assert not ReviewRequest.objects.exists()


@pytest.mark.every_storage
def test_a_zipped_dicomdir_cd_in_many_parts_completes_and_is_attached(
    client, live_server, session_key, private_storage
):
    content = zipped_dicom_cd()
    up = tus_client(live_server, session_key).uploader(
        file_stream=io.BytesIO(content), metadata={"filename": "my-cd.zip"}, chunk_size=8192
    )
    up.upload()
    staged = StagedUpload.objects.get()
    assert (staged.status, staged.kind) == ("complete", "zip")
    parts = [f"{staged.staging_name}/{offset:020d}" for offset in range(0, len(content), 8192)]
    assert len(parts) > 5
    assert staged_parts(private_storage, staged) == staged_when_complete(
        private_storage, staged, parts
    )

    response = post_request(client, imaging_plan="upload", staged=[staged.key])
    assert response.status_code == HTTPStatus.FOUND
    upload = ReviewRequest.objects.get().uploads.get()
    assert (upload.original_name, upload.kind, upload.size) == ("my-cd.zip", "zip", len(content))
    assert private_storage.read(upload.file.name) == content
    assert not any(name.startswith("staging/") for name in private_storage.names())


def test_the_form_and_tus_share_one_screen():
    from intake.request import forms
    from intake.uploads import screening, tus

    assert forms.screen_file is screening.screen_file
    assert tus.screen_file is screening.screen_file
    assert not hasattr(forms, "SCREEN_REASONS")


# --- The staged parts as one seekable file --------------------------------------------------------


def stage(private_storage, content: bytes, size: int) -> str:
    name = "staging/some-upload"
    for offset in range(0, len(content), size):
        private_storage.write(staging.part_name(name, offset), content[offset : offset + size])
    return name


@pytest.mark.every_storage
def test_seeking_to_the_end_reads_the_last_part_only(private_storage):
    content = random.Random(5).randbytes(50_000)
    name = stage(private_storage, content, 10_000)
    with staging.opened(name, length=len(content)) as whole:
        # Parts that are never read may as well be gone: only the one holding the position is opened.
        for offset in range(0, 40_000, 10_000):
            default_storage.delete(staging.part_name(name, offset))
        whole.seek(-22, io.SEEK_END)
        assert whole.read() == content[-22:]
        assert whole.tell() == len(content)


@pytest.mark.every_storage
def test_reads_anywhere_in_any_order_give_the_uploads_bytes(private_storage, settings, tmp_path):
    temp = tmp_path / "temp"
    temp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)
    content = random.Random(7).randbytes(30_000)
    name = stage(private_storage, content, 4096)
    shuffled = random.Random(9)
    with staging.opened(name, length=len(content)) as whole:
        for _ in range(200):  # back and forth across parts, as a ZIP's members in name order
            start = shuffled.randrange(len(content))
            count = shuffled.randrange(1, 9000)
            whole.seek(start)
            assert whole.read(count) == content[start : start + count]
        whole.seek(0)
        assert whole.read() == content
    assert list(temp.iterdir()) == []  # the copy of parts visited again is gone


@pytest.mark.every_storage
def test_a_dicom_sent_by_tus_still_completes(live_server, session_key, private_storage):
    content = mr_small_bytes()
    uploader(tus_client(live_server, session_key), "MR_small.dcm", content).upload()
    staged = StagedUpload.objects.get()
    assert (staged.status, staged.kind) == ("complete", "dicom")
    assert staged_bytes(private_storage, staged) == content
