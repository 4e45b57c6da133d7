"""Uploaded files are reachable by no URL without staff rights, and the stray-file sweep
(each test runs on local files and on an S3 bucket)."""

import logging
from http import HTTPStatus

import pytest
import requests
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from intake.models import Upload
from tests.factories import PNG_BYTES, UploadFactory
from tests.triage_support import otp_login

pytestmark = [pytest.mark.django_db, pytest.mark.every_storage]


def make_user(*, staff: bool, can_view_uploads: bool) -> User:
    user = User.objects.create_user("someone", password="a long enough password 42", is_staff=staff)
    if can_view_uploads:
        user.user_permissions.add(Permission.objects.get(codename="download_upload"))
    return user


def download_url(upload: Upload) -> str:
    return f"/mri-review/files/{upload.pk}/"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    upload = UploadFactory()
    response = client.get(download_url(upload))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")


def test_signed_in_non_staff_cannot_download(client):
    upload = UploadFactory()
    client.force_login(make_user(staff=False, can_view_uploads=True))
    response = client.get(download_url(upload))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_permission_are_refused(client):
    upload = UploadFactory()
    otp_login(client, make_user(staff=True, can_view_uploads=False))
    assert client.get(download_url(upload)).status_code == HTTPStatus.FORBIDDEN


def test_staff_with_the_permission_download_it_as_an_attachment(client):
    upload = UploadFactory(original_name='scan "2026".png')
    otp_login(client, make_user(staff=True, can_view_uploads=True))
    response = client.get(download_url(upload))
    assert response.status_code == HTTPStatus.OK
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="scan \\"2026\\".png"'
    assert response["Content-Type"] == "application/octet-stream"
    assert "no-store" in response["Cache-Control"]


def test_no_static_or_media_url_serves_private_files(client, settings, private_storage):
    upload = UploadFactory()
    assert private_storage.exists(upload.file.name)
    private_storage.assert_private(upload.file.name)
    with pytest.raises(ValueError, match="not accessible via a URL"):
        upload.file.url  # noqa: B018
    for url in [
        f"/{upload.file.name}",
        f"/media/{upload.file.name}",
        f"/static/{upload.file.name}",
        f"/static/../var/private/{upload.file.name}",
        f"/mri-review/{upload.file.name}",
    ]:
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url
    if private_storage.location is not None:
        assert not str(private_storage.location).startswith(str(settings.STATIC_ROOT))


def test_staff_download_can_be_a_short_lived_signed_redirect_on_s3(
    client, settings, private_storage
):
    """PRIVATE_DOWNLOADS=presigned: the view checks the permission, then hands out a signed URL that
    works for a minute; local storage has no such URL and keeps streaming."""
    settings.PRIVATE_DOWNLOADS = "presigned"
    upload = UploadFactory(original_name="scan.png")
    otp_login(client, make_user(staff=True, can_view_uploads=True))
    response = client.get(download_url(upload))
    assert "no-store" in response["Cache-Control"]
    if private_storage.backend == "local":
        assert response.status_code == HTTPStatus.OK
        assert b"".join(response.streaming_content) == PNG_BYTES
        return
    assert response.status_code == HTTPStatus.FOUND
    signed = response["Location"]
    assert signed.startswith(f"{private_storage.server.url}/{private_storage.bucket}/")
    assert "X-Amz-Signature=" in signed
    assert "X-Amz-Expires=60&" in signed
    fetched = requests.get(signed, timeout=10)
    assert fetched.status_code == HTTPStatus.OK
    assert fetched.content == PNG_BYTES
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="scan.png"'
    unsigned = requests.get(signed.split("?")[0], timeout=10)
    assert unsigned.status_code == HTTPStatus.FORBIDDEN


def test_staff_without_the_permission_get_no_signed_url(client, settings):
    settings.PRIVATE_DOWNLOADS = "presigned"
    upload = UploadFactory()
    otp_login(client, make_user(staff=True, can_view_uploads=False))
    response = client.get(download_url(upload))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Location" not in response


def test_every_staff_download_is_recorded_with_ids_only(client, settings, caplog):
    upload = UploadFactory(original_name="Maria Lopez MRI.png")
    user = make_user(staff=True, can_view_uploads=True)
    otp_login(client, user)
    with caplog.at_level(logging.INFO, logger="intake.triage.downloads"):
        client.get(download_url(upload))
        settings.PRIVATE_DOWNLOADS = "presigned"
        client.get(download_url(upload))
    messages = [r.getMessage() for r in caplog.records if r.name == "intake.triage.downloads"]
    assert len(messages) == 2
    for message in messages:
        assert f"Upload {upload.pk} handed to staff user {user.pk}" in message
        assert "Maria" not in message


def test_the_sweep_removes_old_stray_files_only(private_storage):
    """Listed through the storage API, so it works on a bucket too. Age is the storage's own
    modification time: a stray younger than the cut-off stays; once past it, it goes."""
    kept = UploadFactory()
    stray = "uploads/2026/11/" + "a" * 32
    private_storage.write(stray, b"left behind")
    other = "elsewhere/x.png"
    private_storage.write(other, b"not ours to sweep")

    call_command("sweep_stray_uploads")  # default cut-off: a day
    assert private_storage.exists(stray)

    call_command("sweep_stray_uploads", "--older-than-hours", "0")

    assert not private_storage.exists(stray)
    assert private_storage.exists(kept.file.name)
    assert private_storage.exists(other)


def test_the_sweep_has_a_dry_run(private_storage, capsys):
    stray = "uploads/" + "c" * 32
    private_storage.write(stray, b"x")
    call_command("sweep_stray_uploads", "--dry-run", "--older-than-hours", "0")
    assert private_storage.exists(stray)
    assert "Would remove 1 stray file(s)." in capsys.readouterr().out


def test_the_sweep_copes_with_no_uploads_yet(capsys):
    call_command("sweep_stray_uploads", "--older-than-hours", "0")
    assert "Removed 0 stray file(s)." in capsys.readouterr().out
