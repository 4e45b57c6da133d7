"""A Spanish-speaking patient in Chromium: the switch from the English page, the form in Spanish
(no axe-core violations), a Spanish confirmation, and the request recorded as Spanish."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from intake.enums import Language, SafetyTier
from intake.models import ReviewRequest
from tests.e2e.conftest import axe_violations
from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


def fill_in_spanish(page) -> None:
    page.get_by_label("Nombre").fill("María")
    page.get_by_label("Apellido").fill("López")
    page.get_by_label("Fecha de nacimiento").fill("03/27/1968")
    page.get_by_role("textbox", name="Correo electrónico").fill("maria@example.com")
    page.get_by_label("Número de teléfono").fill("555-201-3344")
    page.get_by_label("Código postal (ZIP)").fill("10001")
    page.get_by_label("Llamada").check()
    page.get_by_label("En la mañana (de 8 a. m. a 12 del mediodía)").check()
    page.get_by_label("Espalda baja", exact=True).check()
    page.get_by_label("Una pierna").check()
    page.get_by_role(
        "group", name="¿Qué tan fuerte es su dolor de espalda la mayoría de los días?"
    ).get_by_label("6", exact=True).check()
    page.get_by_role(
        "group", name="¿Qué tan fuerte es su dolor de pierna la mayoría de los días?"
    ).get_by_label("8", exact=True).check()
    page.get_by_label("De 3 a 12 meses").check()
    page.get_by_label("Poco a poco, sin una razón clara").check()
    page.get_by_label("Todavía no tengo los archivos de mi resonancia").check()
    page.get_by_label("Espalda baja (columna lumbar)").check()
    page.get_by_role(
        "group", name="¿Tiene el informe escrito del médico sobre su estudio?"
    ).get_by_label("No", exact=True).check()
    for question in page.locator(".safety-question").all():
        question.get_by_label("No", exact=True).check()
    page.get_by_label("Leí el aviso de privacidad.").check()
    page.get_by_label("Pueden comunicarse conmigo sobre esta solicitud.").check()
    page.get_by_label("Entiendo que esto no es atención de emergencia").check()


def test_a_spanish_speaking_patient_switches_language_and_sends_the_form_in_spanish(
    page, live_server, console_errors
):
    page.goto(f"{live_server.url}/mri-review/")
    page.get_by_role("link", name="Español").click()
    expect(page).to_have_url(f"{live_server.url}/es/mri-review/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Pida una revisión gratis de su resonancia"
    )
    assert axe_violations(page) == []

    fill_in_spanish(page)
    # The upload dashboard (loaded as its section nears the screen) speaks Spanish too.
    expect(page.locator("#upload-dashboard")).to_contain_text("elija archivos")
    page.get_by_role("button", name="Enviar mi solicitud").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recibimos su solicitud")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    review_request = ReviewRequest.objects.get()
    assert review_request.language == Language.SPANISH
    assert review_request.tier == SafetyTier.ROUTINE
    assert review_request.first_name == "María"
    assert axe_violations(page) == []
    assert console_errors == []


def test_a_yes_shows_the_spanish_emergency_warning_as_it_is_answered(page, live_server):
    page.goto(f"{live_server.url}/es/mri-review/")
    fill_in_spanish(page)
    page.get_by_role(
        "group", name="¿Su dolor de espalda empezó después de una caída o un accidente grave?"
    ).get_by_label("Sí", exact=True).check()
    warning = page.locator("#safety-warning-emergency")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Vaya a la sala de emergencias más cercana o llame al 911")
    assert axe_violations(page) == []


def test_the_spanish_home_page_is_accessible_and_switches_back_to_english(page, live_server):
    page.goto(f"{live_server.url}/es/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert axe_violations(page) == []
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_upload_dashboard_speaks_spanish_while_files_upload(page, live_server, console_errors):
    page.goto(f"{live_server.url}/es/mri-review/")
    fill_in_spanish(page)
    page.get_by_label("Voy a agregar los archivos de mi resonancia a este formulario").check()
    page.locator("#upload-dashboard input[type=file]:not([webkitdirectory])").first.set_input_files(
        [
            {"name": "informe.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
            {"name": "autorun.inf", "mimeType": "text/plain", "buffer": b"[autorun]"},
        ]
    )
    dashboard = page.locator("#upload-dashboard")
    expect(page.locator("#upload-notes")).to_contain_text(
        "Dejamos fuera 1 archivo del programa para ver el CD"
    )
    expect(page.locator("#staged-inputs input[name=staged]")).to_have_count(1, timeout=60_000)
    expect(dashboard.get_by_text("Completo", exact=True)).to_be_visible()
    expect(dashboard.get_by_text("Subida completa")).to_be_visible()
    page.get_by_role("button", name="Enviar mi solicitud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recibimos su solicitud")
    review_request = ReviewRequest.objects.get()
    assert review_request.language == Language.SPANISH
    assert list(review_request.uploads.values_list("original_name", flat=True)) == ["informe.pdf"]
    assert console_errors == []
