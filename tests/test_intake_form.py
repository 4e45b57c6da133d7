"""The MRI review form: each section's validation, safety questions, consents, honeypot."""

import re
from http import HTTPStatus

import pytest

from intake.enums import SafetyTier
from intake.models import ReviewRequest
from intake.request.red_flags import RED_FLAGS
from tests.intake_support import intake_settings, post_request  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]


def errors_of(response) -> dict:
    return response.context["form"].errors


def test_the_form_page_has_every_section_with_visible_labels(client):
    response = client.get("/mri-review/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for legend in [
        "About you",
        "Your pain",
        "What you have tried",
        "Your MRI",
        "Safety questions",
        "Your insurance (optional)",
        "Before you send",
    ]:
        assert f'<h2 class="h4 mb-0">{legend}</h2>' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="files"' in html
    assert " multiple " in html
    assert re.search(r"<label\s+for=\"id_first_name\"", html)
    assert 'href="/privacy/"' in html
    assert " checked" not in html  # no answer is chosen for the patient
    assert "---------" not in html
    assert "<script>" not in html
    assert " style=" not in html


def test_a_complete_form_is_kept(client):
    response = post_request(client)
    assert response.status_code == HTTPStatus.FOUND
    review_request = ReviewRequest.objects.get()
    assert review_request.first_name == "Maria"
    assert review_request.pain_locations == ["lower_back", "one_leg"]
    assert review_request.leg_pain_score == 8
    assert review_request.tried_physical_therapy
    assert review_request.physical_therapy_weeks == 8
    assert not review_request.urgent


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "Enter your first name"),
        ("date_of_birth", "31/31/1970", "Enter your date of birth as month/day/year"),
        ("date_of_birth", "01/01/2999", "Your date of birth must be in the past"),
        ("email", "maria-at-example", "Enter an e-mail address like name@example.com"),
        ("phone", "12345", "Enter a phone number with its area code"),
        ("zip_code", "ABCDE", "Enter a ZIP code of 5 digits"),
        ("preferred_contact", None, "Choose how we should contact you"),
        ("best_time_to_call", "midnight", "Select a valid choice"),
    ],
)
def test_about_you_is_checked(client, field, value, message):
    response = post_request(client, **{field: value} if value is not None else {field: None})
    assert response.status_code == HTTPStatus.OK
    assert any(message in error for error in errors_of(response)[field])
    assert not ReviewRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pain_locations", None, "Choose where your pain is"),
        ("back_pain_score", "11", "Select a valid choice"),
        ("leg_pain_score", None, "Choose a number from 0 to 10 for your leg pain"),
        ("pain_duration", None, "Choose how long you have had this pain"),
        ("pain_onset", None, "Choose how your pain started"),
    ],
)
def test_your_pain_is_checked(client, field, value, message):
    response = post_request(client, **{field: value})
    assert any(message in error for error in errors_of(response)[field])


def test_physical_therapy_needs_its_number_of_weeks(client):
    response = post_request(client, physical_therapy_weeks="")
    assert errors_of(response)["physical_therapy_weeks"] == [
        "Tell us for how many weeks you had physical therapy"
    ]


def test_earlier_spine_surgery_needs_when(client):
    response = post_request(client, had_spine_surgery="on", spine_surgery_when="")
    assert errors_of(response)["spine_surgery_when"] == [
        "Tell us when you had your spine operation"
    ]


def test_mri_section_is_checked(client):
    response = post_request(client, imaging_plan=None, mri_date="12/01/2999")
    errors = errors_of(response)
    assert errors["imaging_plan"] == ["Choose how you will send your MRI"]
    assert errors["mri_date"] == ["The scan date cannot be in the future"]


def test_choosing_to_upload_without_files_asks_for_them(client):
    response = post_request(client, imaging_plan="upload")
    assert "Add your MRI files" in errors_of(response)["files"][0]


def test_a_patient_without_files_can_still_ask(client):
    response = post_request(client, imaging_plan="send_cd")
    assert response.status_code == HTTPStatus.FOUND
    assert ReviewRequest.objects.get().imaging_plan == "send_cd"


def test_insurance_is_optional_but_checked_when_given(client):
    assert post_request(client, insurance_plan_type="nonsense").status_code == HTTPStatus.OK
    response = post_request(client, insurance_carrier="Aetna", insurance_plan_type="ppo")
    assert response.status_code == HTTPStatus.FOUND
    assert ReviewRequest.objects.get().insurance_plan_type == "ppo"


@pytest.mark.parametrize("flag", [flag.field for flag in RED_FLAGS])
def test_every_safety_question_needs_an_answer(client, flag):
    response = post_request(client, **{flag: None})
    assert errors_of(response)[flag][0].startswith("Answer yes or no: ")
    assert not ReviewRequest.objects.exists()


@pytest.mark.parametrize("consent", ["consent_privacy", "consent_contact", "consent_not_emergency"])
def test_every_consent_is_required(client, consent):
    response = post_request(client, **{consent: None})
    assert errors_of(response)[consent][0].startswith("Tick the box")
    assert not ReviewRequest.objects.exists()


def test_a_yes_to_an_emergency_question_makes_the_request_emergency_with_its_message(client):
    response = post_request(client, saddle_numbness="yes", follow=True)
    review_request = ReviewRequest.objects.get()
    assert review_request.tier == SafetyTier.EMERGENCY
    assert review_request.saddle_numbness
    html = response.content.decode()
    assert "Get emergency care now" in html
    assert "This service cannot help in time" in html
    assert "call 911 now" in html


def test_no_emergency_message_when_every_answer_is_no(client):
    response = post_request(client, follow=True)
    assert "This service cannot help in time" not in response.content.decode()


def test_a_filled_honeypot_keeps_nothing_but_looks_like_success(client, mailoutbox):
    response = post_request(client, homepage="http://spam.example")
    assert response.status_code == HTTPStatus.OK
    assert "We have your request" in response.content.decode()
    assert not ReviewRequest.objects.exists()
    assert mailoutbox == []


def test_errors_are_summarised_at_the_top_with_links_and_shown_beside_fields(client):
    response = post_request(client, first_name="", trauma=None, consent_contact=None)
    html = response.content.decode()
    summary = html[
        html.index('id="error-summary"') : html.index("</ul>", html.index("error-summary"))
    ]
    assert '<a href="#id_first_name">Enter your first name</a>' in summary
    assert '<a href="#id_trauma_0">Answer yes or no' in summary
    assert '<a href="#id_consent_contact">Tick the box' in summary
    assert 'aria-describedby="id_first_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert "<title>Check your answers: Free MRI review" in html


def test_the_form_shown_again_with_what_was_typed_is_never_stored(client):
    response = post_request(client, first_name="")
    assert response.status_code == HTTPStatus.OK
    assert "maria@example.com" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_what_was_typed_stays_when_the_form_has_errors(client):
    response = post_request(
        client, first_name="", last_name="Lopez", mri_facility="City Imaging", both_legs="no"
    )
    html = response.content.decode()
    assert 'value="Lopez"' in html
    assert 'value="City Imaging"' in html
    assert 'value="no"  id="id_both_legs_1" required checked' in html
