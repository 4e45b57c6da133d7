"""Previews reach staff only, through the permission-checked view; the admin shows the imaging."""

import io
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission, User
from PIL import Image

from intake.models import Preview
from tests.factories import jpeg_with_gps_bytes, mr_small_bytes, pdf_bytes
from tests.intake_support import intake_settings  # noqa: F401
from tests.pipeline_support import submit
from tests.triage_support import otp_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]


def make_user(*, staff: bool, can_view_uploads: bool, superuser: bool = False) -> User:
    user = User.objects.create_user(
        "reviewer", password="a long enough password 42", is_staff=staff, is_superuser=superuser
    )
    if can_view_uploads:
        user.user_permissions.add(
            Permission.objects.get(codename="view_upload"),
            Permission.objects.get(codename="view_reviewrequest"),
        )
    return user


@pytest.fixture
def preview(private_storage, client, django_capture_on_commit_callbacks) -> Preview:
    submit(client, django_capture_on_commit_callbacks, [("mr.dcm", mr_small_bytes())])
    client.logout()
    return Preview.objects.get()


def test_anonymous_visitors_are_sent_to_sign_in(client, preview):
    response = client.get(preview.get_absolute_url())
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")


def test_signed_in_non_staff_are_sent_to_sign_in(client, preview):
    client.force_login(make_user(staff=False, can_view_uploads=True))
    response = client.get(preview.get_absolute_url())
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_permission_are_refused(client, preview):
    otp_login(client, make_user(staff=True, can_view_uploads=False))
    assert client.get(preview.get_absolute_url()).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.every_storage
def test_staff_with_the_permission_get_a_private_uncached_png(client, preview):
    otp_login(client, make_user(staff=True, can_view_uploads=True))
    response = client.get(preview.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "PNG"
    assert image.size == (preview.width, preview.height)


def test_a_missing_preview_is_not_found(client, preview):
    otp_login(client, make_user(staff=True, can_view_uploads=True))
    assert (
        client.get(f"/mri-review/previews/{preview.pk + 1000}/").status_code == HTTPStatus.NOT_FOUND
    )


def test_the_request_page_in_the_admin_shows_summary_checks_series_and_thumbnails(
    client, django_capture_on_commit_callbacks
):
    review_request = submit(
        client,
        django_capture_on_commit_callbacks,
        [
            ("mr.dcm", mr_small_bytes()),
            ("film.jpg", jpeg_with_gps_bytes()),
            ("report.pdf", pdf_bytes()),
        ],
    )
    otp_login(client, make_user(staff=True, can_view_uploads=True))

    response = client.get(f"/admin/intake/reviewrequest/{review_request.pk}/change/")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "MR, 26 Aug 2004, 1 series, 1 image, with report, 1 photo" in html
    assert "Study older than 12 months" not in html  # messages, not labels, are shown
    assert "The newest study is from 26 Aug 2004" in html
    assert "<caption>Series of this study</caption>" in html
    previews = Preview.objects.filter(upload__request=review_request)
    assert previews.count() == 3
    for found in previews:
        assert f'src="{found.get_absolute_url()}"' in html
        assert f'alt="Preview: {found.label}"' in html
