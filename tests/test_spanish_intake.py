"""A Spanish-speaking patient: the form at /es/mri-review/ in Spanish, the request records "es",
the confirmation page and e-mail in Spanish, staff see "Spanish" in the queue."""

import re
from http import HTTPStatus

import pytest
from django.utils import translation

from intake.enums import Language, ReviewConclusion, ReviewStatus
from intake.models import ReviewRequest
from intake.request import letters
from intake.request.red_flags import RED_FLAGS
from tests.factories import ReviewRequestFactory, review_form_data
from tests.intake_support import intake_settings, upload  # noqa: F401
from tests.review_support import coordinator, signed_review
from tests.test_review_letter import pdf_text
from tests.triage_support import COORDINATOR, otp_login, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]


def test_the_spanish_form_is_in_spanish_with_its_safety_questions(client):
    response = client.get("/es/mri-review/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<html lang="es">' in html
    for spanish in [
        "Pida una revisión gratis de su resonancia",
        "¿Dónde tiene el dolor?",
        "Enviar mi solicitud",
        "¿Tiene problemas nuevos para orinar, o no siente cuando orina?",
        "Busque atención de emergencia ahora",  # the warning the form shows on a "yes"
        'href="/es/privacy/"',  # the consent's link stays in Spanish
    ]:
        assert spanish in html, spanish
    for flag in RED_FLAGS:
        assert flag.question not in html, flag.field
    assert "Send my request" not in html


def test_errors_on_the_spanish_form_are_in_spanish(client):
    data = review_form_data(first_name="", date_of_birth="27/03/1968")
    html = client.post("/es/mri-review/", data).content.decode()
    assert "Hay un problema con sus respuestas" in html
    assert "Escriba su nombre" in html
    # Dates are typed month/day/year in both languages (backcare/formats/es/formats.py).
    assert "Escriba su fecha de nacimiento como mes/día/año" in html
    assert ReviewRequest.objects.count() == 0


def test_a_refused_file_is_explained_in_spanish(client):
    data = review_form_data(imaging_plan="upload")
    data["files"] = [upload("escaner.jpg", b""), upload("programa.jpg", b"MZ" + b"\0" * 200)]
    html = client.post("/es/mri-review/", data).content.decode()
    assert "No aceptamos “escaner.jpg”: el archivo está vacío." in html
    assert "No aceptamos “programa.jpg”: es un programa de computadora" in html
    assert "Aceptamos archivos de resonancia (DICOM)" in html
    assert "was not accepted" not in html


def test_a_file_refused_by_the_quick_look_is_explained_in_spanish(client):
    """The header checks' reasons (intake.uploads.screening) follow the page's language too."""
    data = review_form_data(imaging_plan="upload")
    cut_photo = b"\xff\xd8\xff\xe0" + b"\0" * 200  # a JPEG's signature, then nothing readable
    data["files"] = [upload("foto.jpg", cut_photo)]
    html = client.post("/es/mri-review/", data).content.decode()
    assert "No aceptamos “foto.jpg”: la imagen no se puede abrir" in html
    english = client.post("/mri-review/", {**data, "files": [upload("foto.jpg", cut_photo)]})
    assert "the picture cannot be opened" in english.content.decode()


def test_a_request_sent_in_spanish_records_it_and_confirms_in_spanish(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/es/mri-review/", review_form_data(), follow=True)
    review_request = ReviewRequest.objects.get()
    assert review_request.language == Language.SPANISH
    assert response.redirect_chain == [("/es/mri-review/thanks/", HTTPStatus.FOUND)]
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert "Recibimos su solicitud" in page
    assert "en 2 días hábiles o menos" in page
    (to_patient,) = [message for message in mailoutbox if message.to == ["maria@example.com"]]
    assert to_patient.subject == (
        f"Recibimos su solicitud de revisión de resonancia ({review_request.reference})"
    )
    assert "Estimado/a Maria:" in to_patient.body
    assert "/es/mri-review/status/" in to_patient.body
    assert "llame al 911" in to_patient.body
    assert "Dear Maria" not in to_patient.body


def test_a_spanish_emergency_answer_gets_the_spanish_emergency_advice(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/es/mri-review/", review_form_data(both_legs="yes"), follow=True)
    page = response.content.decode()
    assert "Vaya a la sala de emergencias más cercana o llame al 911 ahora." in page
    (to_patient,) = [message for message in mailoutbox if message.to == ["maria@example.com"]]
    assert "BUSQUE ATENCIÓN DE EMERGENCIA AHORA" in to_patient.body


def test_a_request_sent_in_english_records_english(client):
    client.post("/mri-review/", review_form_data())
    assert ReviewRequest.objects.get().language == Language.ENGLISH


def test_staff_see_the_language_in_the_queue_and_can_filter_by_it(client):
    spanish = ReviewRequestFactory(language=Language.SPANISH, status=ReviewStatus.NEW)
    english = ReviewRequestFactory(language=Language.ENGLISH, status=ReviewStatus.NEW)
    otp_login(client, coordinator())
    html = client.get("/admin/intake/reviewrequest/").content.decode()
    assert "Spanish" in html
    assert "?language__exact=es" in html  # the list filter
    filtered = client.get("/admin/intake/reviewrequest/?language__exact=es").content.decode()
    assert spanish.reference in filtered
    assert english.reference not in filtered


# --- The review letter and its e-mail, in the request's language -----------------------------------


def test_the_letter_is_in_spanish_for_a_request_sent_in_spanish():
    patient = ReviewRequestFactory(language=Language.SPANISH, status=ReviewStatus.IN_REVIEW)
    review = signed_review(patient, conclusion=ReviewConclusion.CANDIDATE)
    html = letters.letter_html(review)
    assert '<html lang="es">' in html
    assert f"Estimado/a {patient.first_name}:" in html
    assert "Una cirugía por un corte pequeño podría ayudarle" in html
    assert "Lo que el cirujano vio en su estudio" in html
    assert "Llame al 911 o vaya a la sala de emergencias" in html  # the handout's safety box
    assert "Dear " not in html
    assert "Surgery through a small cut" not in html
    text = pdf_text(letters.letter_pdf(review))
    assert "La revisión de su resonancia" in text
    assert "Página 1 de" in text
    # The same review for an English request stays English.
    english = signed_review(conclusion=ReviewConclusion.CANDIDATE)
    assert "Surgery through a small cut may help you" in letters.letter_html(english)


def test_spine_levels_read_naturally_in_spanish():
    with translation.override("es"):
        assert (
            letters.level_words("L4-L5") == "entre el 4.º y el 5.º hueso de su espalda baja (L4-L5)"
        )
        assert (
            letters.level_words("T12-L1")
            == "donde su espalda media se une con su espalda baja (T12-L1)"
        )
    assert (
        letters.level_words("L4-L5") == "between the 4th and 5th bones of your lower back (L4-L5)"
    )


def test_the_letter_is_ready_e_mail_is_in_spanish_with_a_spanish_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    patient = ReviewRequestFactory(language=Language.SPANISH, status=ReviewStatus.IN_REVIEW)
    review = signed_review(patient, conclusion=ReviewConclusion.CONSERVATIVE)
    otp_login(client, coordinator())
    base = f"/admin/intake/reviewrequest/{patient.pk}/triage/review/{review.version}"
    client.get(f"{base}/letter.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base}/send/")
    (message,) = mailoutbox
    assert message.subject == f"La revisión de su resonancia está lista ({patient.reference})"
    assert f"Estimado/a {patient.first_name}:" in message.body
    assert re.search(r"https?://\S+/es/mri-review/letter/\S+/", message.body)
    assert re.search(r"El enlace sirve hasta el \d+ de \w+ de \d{4}\.", message.body)


def test_the_more_files_e_mail_and_page_are_in_spanish(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    patient = ReviewRequestFactory(language=Language.SPANISH, first_name="Maria")
    otp_login(client, staff_user(role=COORDINATOR))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/intake/reviewrequest/{patient.pk}/triage/more-files/")
    client.logout()
    (message,) = mailoutbox
    assert message.subject == "Envíenos más archivos para la revisión de su resonancia"
    assert "Estimado/a Maria:" in message.body
    path = re.search(r"https?://[^/\s]+(/es/mri-review/more-files/[^\s]+/)", message.body).group(1)
    page = client.get(path).content.decode()
    assert '<html lang="es">' in page
    assert "Envíe más archivos para la revisión de su resonancia" in page


def test_the_status_page_answers_in_spanish(client):
    patient = ReviewRequestFactory(language=Language.SPANISH, status=ReviewStatus.IN_REVIEW)
    wrong = client.post(
        "/es/mri-review/status/", {"reference": patient.reference, "date_of_birth": "01/02/1903"}
    ).content.decode()
    assert "No encontramos su solicitud" in wrong
    assert "no coincide con nuestros registros" in wrong
    right = client.post(
        "/es/mri-review/status/",
        {
            "reference": patient.reference,
            "date_of_birth": patient.date_of_birth.strftime(
                "%m/%d/%Y"
            ),  # month/day/year in Spanish too
        },
    ).content.decode()
    assert '<html lang="es">' in right
    assert "Nuestro equipo de columna está revisando su solicitud" in right
