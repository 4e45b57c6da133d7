"""One submission, whichever way the files came: resumable uploads attached by the form's post."""

import hashlib
import io
from http import HTTPStatus

import pytest
from django.conf import settings

from intake.models import ReviewRequest, StagedUpload, Upload
from intake.request.forms import ReviewRequestForm
from intake.uploads import staging
from tests.factories import jpeg_bytes, mr_small_bytes, pdf_bytes
from tests.intake_support import intake_settings, post_request  # noqa: F401
from tests.tus_support import (
    new_session_key,
    staged_parts,
    staged_when_complete,
    tus_client,
    uploader,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("intake_settings"),
    pytest.mark.every_storage,
]


def upload_by_tus(live_server, session_key, name, content) -> str:
    up = uploader(tus_client(live_server, session_key), name, content)
    up.upload()
    return up.url.rsplit("/", 1)[1]


@pytest.fixture
def session_key(client):
    key = new_session_key()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return key


def test_completed_uploads_are_attached_with_their_size_and_sha256(
    client, live_server, session_key, private_storage, mailoutbox
):
    scan, report = mr_small_bytes(), pdf_bytes()
    keys = [
        upload_by_tus(live_server, session_key, "MR_small.dcm", scan),
        upload_by_tus(live_server, session_key, "report.pdf", report),
    ]
    staged_files = [p for s in StagedUpload.objects.all() for p in staged_parts(private_storage, s)]
    assert staged_files

    response = post_request(
        client, files=[("film.jpg", jpeg_bytes())], imaging_plan="upload", staged=keys
    )
    assert response.status_code == HTTPStatus.FOUND
    uploads = {u.original_name: u for u in ReviewRequest.objects.get().uploads.all()}
    assert {name: u.kind for name, u in uploads.items()} == {
        "film.jpg": "jpeg",
        "MR_small.dcm": "dicom",
        "report.pdf": "pdf",
    }
    for name, content in (("MR_small.dcm", scan), ("report.pdf", report)):
        assert uploads[name].size == len(content)
        assert uploads[name].sha256 == hashlib.sha256(content).hexdigest()
        assert private_storage.read(uploads[name].file.name) == content
        assert uploads[name].file.name.startswith("uploads/")
        private_storage.assert_private(uploads[name].file.name)
    assert not StagedUpload.objects.exists()
    assert not any(private_storage.exists(name) for name in staged_files)
    assert not any(name.startswith("staging/") for name in private_storage.names())
    assert len(mailoutbox) == 2


def test_uploads_alone_satisfy_i_am_adding_my_files(client, live_server, session_key):
    key = upload_by_tus(live_server, session_key, "MR_small.dcm", mr_small_bytes())
    response = post_request(client, imaging_plan="upload", staged=[key])
    assert response.status_code == HTTPStatus.FOUND
    assert ReviewRequest.objects.get().uploads.count() == 1


def test_a_form_with_errors_keeps_the_uploads_and_lists_them(client, live_server, session_key):
    key = upload_by_tus(live_server, session_key, "MR_small.dcm", mr_small_bytes())
    response = post_request(client, imaging_plan="upload", staged=[key], last_name="")
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Files already uploaded" in page
    assert "MR_small.dcm" in page
    assert f'name="staged" value="{key}"' in page
    assert StagedUpload.objects.filter(key=key).exists()

    fixed = post_request(client, imaging_plan="upload", staged=[key])
    assert fixed.status_code == HTTPStatus.FOUND
    assert ReviewRequest.objects.get().uploads.get().original_name == "MR_small.dcm"


def test_uploads_attached_meanwhile_by_another_tab_are_named_and_not_listed_as_kept(
    client, live_server, session_key, monkeypatch
):
    key = upload_by_tus(live_server, session_key, "MR_small.dcm", mr_small_bytes())
    clean_staged = ReviewRequestForm.clean_staged

    def another_tab_sends_them_meanwhile(form):
        found = clean_staged(form)
        StagedUpload.objects.filter(key=key).delete()  # what the other tab's submission does
        return found

    monkeypatch.setattr(ReviewRequestForm, "clean_staged", another_tab_sends_them_meanwhile)
    response = post_request(client, imaging_plan="upload", staged=[key])
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Your uploaded files changed while you sent the form: send it again." in page
    assert "Files already uploaded" not in page
    assert not ReviewRequest.objects.exists()


def test_another_session_cannot_attach_someone_elses_upload(client, live_server, session_key):
    key = upload_by_tus(live_server, session_key, "MR_small.dcm", mr_small_bytes())
    client.cookies[settings.SESSION_COOKIE_NAME] = new_session_key()
    response = post_request(client, imaging_plan="upload", staged=[key])
    assert response.status_code == HTTPStatus.OK
    assert "1 of your uploaded files could not be found" in response.content.decode()
    assert not ReviewRequest.objects.exists()
    assert StagedUpload.objects.filter(key=key).exists()


def test_an_unfinished_upload_cannot_be_attached(client, live_server, session_key):
    up = uploader(tus_client(live_server, session_key), "MR_small.dcm", mr_small_bytes())
    up.upload(stop_at=4096)
    response = post_request(client, imaging_plan="upload", staged=[up.url.rsplit("/", 1)[1]])
    assert response.status_code == HTTPStatus.OK
    assert not ReviewRequest.objects.exists()


def test_a_failure_while_attaching_keeps_nothing_and_leaves_the_uploads_to_try_again(
    client, live_server, session_key, private_storage, monkeypatch
):
    keys = [
        upload_by_tus(live_server, session_key, "a.dcm", mr_small_bytes()),
        upload_by_tus(live_server, session_key, "b.pdf", pdf_bytes()),
    ]
    real_place = staging.place
    calls = []

    def disk_full_on_second(name, final_name, **expected):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real_place(name, final_name, **expected)

    monkeypatch.setattr(staging, "place", disk_full_on_second)
    client.raise_request_exception = True
    with pytest.raises(OSError, match="No space left"):
        post_request(client, files=[("film.jpg", jpeg_bytes())], imaging_plan="upload", staged=keys)
    assert not ReviewRequest.objects.exists()
    assert not Upload.objects.exists()
    assert not any(name.startswith("uploads/") for name in private_storage.names())
    assert StagedUpload.objects.filter(status="complete").count() == 2
    for staged in StagedUpload.objects.all():
        assert staged_parts(private_storage, staged)


def test_parts_that_do_not_match_the_completed_upload_are_not_attached(
    client, live_server, session_key, private_storage
):
    """Where attaching streams the parts (a bucket's parts under S3's 5 MiB part minimum; on local
    disk an upload staged as parts before chunks were written in place) they are checked against
    the row."""
    content = mr_small_bytes()
    key = upload_by_tus(live_server, session_key, "MR_small.dcm", content)
    staged = StagedUpload.objects.get(key=key)
    first = f"{staged.staging_name}/{0:020d}"
    if private_storage.backend == "local":  # as staged before: the parts alone, no `whole`
        (private_storage.location / staged.staging_name / "whole").unlink()
        private_storage.write(f"{staged.staging_name}/{4096:020d}", content[4096:])
    private_storage.write(first, b"\0" * 4096)
    client.raise_request_exception = True
    with pytest.raises(staging.PartsDoNotMatch):
        post_request(client, imaging_plan="upload", staged=[key])
    assert not ReviewRequest.objects.exists()
    assert not any(name.startswith("uploads/") for name in private_storage.names())
    assert StagedUpload.objects.filter(key=key, status="complete").exists()


def test_a_file_larger_than_one_s3_multipart_part_is_joined_byte_for_byte(
    client, live_server, session_key, private_storage
):
    # Past boto3's 8 MiB threshold the joined parts go to the bucket as a multipart upload.
    content = mr_small_bytes() + bytes(range(256)) * (9 * 4096)
    up = tus_client(live_server, session_key).uploader(
        file_stream=io.BytesIO(content), metadata={"filename": "big.dcm"}, chunk_size=3 * 1024**2
    )
    up.upload()
    key = up.url.rsplit("/", 1)[1]
    staged = StagedUpload.objects.get(key=key)
    parts = [f"{staged.staging_name}/{n * 3 * 1024**2:020d}" for n in range(4)]
    assert staged_parts(private_storage, staged) == staged_when_complete(
        private_storage, staged, parts
    )

    response = post_request(client, imaging_plan="upload", staged=[key])
    assert response.status_code == HTTPStatus.FOUND
    upload = ReviewRequest.objects.get().uploads.get()
    assert upload.size == len(content) > 8 * 1024**2
    assert upload.sha256 == hashlib.sha256(content).hexdigest()
    assert hashlib.sha256(private_storage.read(upload.file.name)).hexdigest() == upload.sha256
