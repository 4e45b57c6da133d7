"""Uploaded files are reachable by no URL without staff rights, and the stray-file sweep."""

import os
import time
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from intake.models import Upload
from tests.factories import PNG_BYTES, UploadFactory
from tests.triage_support import otp_login

pytestmark = pytest.mark.django_db


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
    assert (private_storage / upload.file.name).exists()
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
    assert not str(private_storage).startswith(str(settings.STATIC_ROOT))


def _age(path, hours: int) -> None:
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_the_sweep_removes_old_stray_files_only(private_storage):
    kept = UploadFactory()
    stray_dir = private_storage / "uploads" / "2026" / "11"
    stray_dir.mkdir(parents=True, exist_ok=True)
    old_stray = stray_dir / ("a" * 32)
    new_stray = stray_dir / ("b" * 32)
    old_stray.write_bytes(b"left behind")
    new_stray.write_bytes(b"maybe still being saved")
    _age(old_stray, 30)
    _age(private_storage / kept.file.name, 30)
    other = private_storage / "previews" / "x.png"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"not ours to sweep")
    _age(other, 30)

    call_command("sweep_stray_uploads")

    assert not old_stray.exists()
    assert new_stray.exists()
    assert (private_storage / kept.file.name).exists()
    assert other.exists()


def test_the_sweep_has_a_dry_run(private_storage, capsys):
    stray = private_storage / "uploads" / ("c" * 32)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"x")
    _age(stray, 48)
    call_command("sweep_stray_uploads", "--dry-run")
    assert stray.exists()
    assert "Would remove 1 stray file(s)." in capsys.readouterr().out
