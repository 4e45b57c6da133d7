"""The resumable-upload endpoint's refusals reach the patient in the page's language: its URL has no
/es/, so the dashboard sends the page's language as Accept-Language (upload-dashboard.js)."""

import base64
from http import HTTPStatus

import pytest
from django.test import Client

from tests.intake_support import intake_settings  # noqa: F401
from tests.tus_support import TUS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

UPLOADS = "/mri-review/uploads/"
SPANISH = {"Accept-Language": "es"}


def create(length: int, name: str = "scan.dcm", **headers: str):
    metadata = "filename " + base64.b64encode(name.encode()).decode()
    return Client().post(
        UPLOADS,
        headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata, **headers},
    )


def test_a_file_over_the_limit_is_refused_in_spanish_for_a_spanish_page(settings):
    settings.INTAKE_MAX_FILE_SIZE = 1024**2
    refused = create(2 * 1024**2, **SPANISH)
    assert refused.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert refused.content.decode() == (
        "No aceptamos “scan.dcm”: es más grande que el límite de 1 MB para un archivo."
    )
    assert refused["Content-Language"] == "es"


def test_an_empty_file_is_refused_in_spanish_with_the_kinds_we_accept():
    refused = create(0, "informe.pdf", **SPANISH)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_CONTENT
    text = refused.content.decode()
    assert text.startswith("No aceptamos “informe.pdf”: ")
    assert text.endswith(
        "Aceptamos archivos de resonancia (DICOM), un archivo ZIP de su CD, fotos (JPEG o PNG) e "
        "informes en PDF."
    )


def test_a_full_staging_area_is_said_in_spanish(settings):
    settings.INTAKE_STAGING_MAX_TOTAL_BYTES = 1024
    refused = create(2048, **SPANISH)
    assert refused.status_code == HTTPStatus.INSUFFICIENT_STORAGE
    assert refused.content.decode() == (
        "No pudimos subir “scan.dcm”: nuestro espacio para recibir archivos está lleno en este "
        "momento. Intente otra vez en unas horas, o envíe el formulario y elija “Voy a enviar un "
        "CD o placas a la clínica”."
    )


def test_too_many_new_uploads_are_said_in_spanish_by_the_session_start(settings):
    settings.INTAKE_STAGING_MAX_CREATIONS_PER_ADDRESS = 2
    client = Client()
    for _ in range(2):
        started = client.post("/mri-review/upload-session/", headers=SPANISH)
        assert started.status_code == HTTPStatus.NO_CONTENT
    refused = client.post("/mri-review/upload-session/", headers=SPANISH)
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert refused.content.decode().startswith(
        "No pudimos subir sus archivos: aceptamos como máximo 2 archivos nuevos por hora"
    )


def test_without_a_language_the_refusal_stays_english(settings):
    settings.INTAKE_STAGING_MAX_TOTAL_BYTES = 1024
    refused = create(2048)
    assert refused.content.decode().startswith(
        "“scan.dcm” was not uploaded: our upload area is full just now."
    )
    assert refused["Content-Language"] == "en"
