"""No input reaches a server error: hostile values in the form's fields and the tus headers get a
4xx or the form shown again."""

from http import HTTPStatus

import pytest

from intake.models import ReviewRequest
from tests.intake_support import intake_settings, post_request  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]


def test_a_nul_byte_in_a_staged_id_reshows_the_form_with_uploads_missing(client):
    client.get("/mri-review/")
    response = post_request(client, imaging_plan="upload", staged=["abc\x00def"])
    assert response.status_code == HTTPStatus.OK
    assert "1 of your uploaded files could not be found" in response.content.decode()
    assert not ReviewRequest.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "email", "pain_onset_details", "mri_facility"])
def test_a_nul_byte_in_a_text_answer_is_a_form_error(client, field):
    """Django's CharField refuses NUL (ProhibitNullCharactersValidator) before anything is saved."""
    response = post_request(client, **{field: "Maria\x00Lopez"})
    assert response.status_code == HTTPStatus.OK
    assert "Null characters are not allowed." in response.content.decode()
    assert not ReviewRequest.objects.exists()


def test_a_staged_id_of_any_other_shape_counts_as_missing(client):
    client.get("/mri-review/")
    response = post_request(client, imaging_plan="upload", staged=["x" * 100_000, "A" * 43])
    assert response.status_code == HTTPStatus.OK
    assert "2 of your uploaded files could not be found" in response.content.decode()


def test_a_negative_content_length_on_a_tus_chunk_is_refused(client):
    tus = {"Tus-Resumable": "1.0.0"}
    created = client.post("/mri-review/uploads/", headers={**tus, "Upload-Length": "10"})
    assert created.status_code == HTTPStatus.CREATED
    response = client.generic(
        "PATCH",
        created["Location"],
        b"0123456789",
        content_type="application/offset+octet-stream",
        headers={**tus, "Upload-Offset": "0"},
        CONTENT_LENGTH="-1",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "must not be negative" in response.content.decode()
