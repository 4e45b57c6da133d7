"""Red flags: each question asks one thing and routes to the right care, from the form to the stored
tier, the queue, the confirmation page and the e-mail (docs/clinical-safety.md, hazards H1-H4)."""

from http import HTTPStatus

import pytest

from intake.enums import SafetyTier
from intake.models import SAFETY_ANSWERS, ReviewRequest
from intake.request.red_flags import RED_FLAGS, TIER_ADVICE, answer_conflicts, red_flags_of
from tests.factories import ReviewRequestFactory
from tests.intake_support import intake_settings, post_request  # noqa: F401
from tests.triage_support import COORDINATOR, otp_login, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

EMERGENCY = TIER_ADVICE[SafetyTier.EMERGENCY]
SOON = TIER_ADVICE[SafetyTier.SEE_DOCTOR_SOON]


def test_each_safety_question_asks_one_question_and_names_its_source():
    for flag in RED_FLAGS:
        assert flag.question.count("?") == 1, flag.field
        assert flag.question.endswith("?"), flag.field
        assert flag.source, flag.field
    # The question that once sent every past cancer to 911 is now three questions, none urgent-now.
    by_field = {flag.field: flag for flag in RED_FLAGS}
    for field in ("fever_unwell", "cancer_history", "weight_loss"):
        assert by_field[field].tier == SafetyTier.SEE_DOCTOR_SOON


def test_the_tiers_hold_the_content_guides_lists():
    tiers = {flag.field: flag.tier for flag in RED_FLAGS}
    assert [f for f, t in tiers.items() if t == SafetyTier.EMERGENCY] == [
        "urine_trouble",
        "bladder_bowel_control",
        "saddle_numbness",
        "sexual_problems",
        "both_legs",
        "worsening_weakness",
        "trauma",
    ]
    assert [f for f, t in tiers.items() if t == SafetyTier.SEE_DOCTOR_SOON] == [
        "fever_unwell",
        "cancer_history",
        "weight_loss",
        "night_pain",
        "infection_risk",
        "fracture_risk",
    ]


def test_the_tables_tier_check_names_the_questions_of_each_tier_in_their_order():
    # The table checks the stored tier against SAFETY_ANSWERS; the form asks RED_FLAGS.
    for tier in SafetyTier:
        assert tuple(flag.field for flag in red_flags_of(tier)) == SAFETY_ANSWERS[tier]
    assert [flag.field for flag in RED_FLAGS] == [
        field for fields in SAFETY_ANSWERS.values() for field in fields
    ]


@pytest.mark.parametrize("flag", RED_FLAGS, ids=lambda flag: flag.field)
def test_each_yes_is_stored_with_its_tier_and_the_patient_is_told_what_fits(
    client, mailoutbox, django_capture_on_commit_callbacks, flag
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_request(client, follow=True, **{flag.field: "yes"})
    assert response.status_code == HTTPStatus.OK
    review_request = ReviewRequest.objects.get()
    assert review_request.tier == flag.tier
    page = response.content.decode()
    (email,) = [m for m in mailoutbox if m.to == [review_request.email]]
    for text in (page, email.body):
        if flag.tier == SafetyTier.EMERGENCY:
            assert "Go to the nearest emergency department or call 911 now." in text
            assert SOON.heading not in text
        elif flag.tier == SafetyTier.SEE_DOCTOR_SOON:
            assert SOON.lines[1] in text
            assert "You do not need to call 911 for these answers." in text
            assert "call 911 now" not in text
        else:
            assert "Tell your doctor about it at your next visit. It is not urgent." in text
            assert "call 911 now" not in text
            assert SOON.lines[1] not in text


def test_only_the_emergency_message_shows_when_both_tiers_are_answered_yes(client):
    response = post_request(client, follow=True, trauma="yes", cancer_history="yes")
    assert ReviewRequest.objects.get().tier == SafetyTier.EMERGENCY
    page = response.content.decode()
    assert EMERGENCY.heading in page
    assert SOON.heading not in page


def test_no_tier_message_when_every_answer_is_no(client):
    page = post_request(client, follow=True).content.decode()
    assert EMERGENCY.heading not in page
    assert SOON.heading not in page
    assert "Tell your doctor about it" not in page
    assert ReviewRequest.objects.get().tier == SafetyTier.ROUTINE


def test_a_re_shown_form_keeps_the_warning_of_the_tier_answered(client):
    html = post_request(client, first_name="", night_pain="yes").content.decode()
    soon = html[html.index('id="safety-warning-see_doctor_soon"') :][:200]
    emergency = html[html.index('id="safety-warning-emergency"') :][:200]
    assert "hidden" not in soon.split(">")[0]
    assert "hidden" in emergency.split(">")[0]


def test_the_inbox_subject_says_the_tier(
    client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.INTAKE_INBOX_EMAIL = "intake@clinic.example"
    with django_capture_on_commit_callbacks(execute=True):
        post_request(client, fracture_risk="yes")
    reference = ReviewRequest.objects.get().reference
    (inbox,) = [m for m in mailoutbox if m.to == ["intake@clinic.example"]]
    assert inbox.subject == f"SEE A DOCTOR TODAY OR TOMORROW: New MRI review request {reference}"


def test_pain_in_both_legs_with_no_to_both_leg_symptoms_is_flagged_for_staff(client):
    agrees = ReviewRequestFactory(pain_locations=["lower_back", "both_legs"], both_legs=True)
    disagrees = ReviewRequestFactory(pain_locations=["lower_back", "both_legs"], both_legs=False)
    one_leg = ReviewRequestFactory(pain_locations=["one_leg"], both_legs=False)
    assert answer_conflicts(agrees) == []
    assert answer_conflicts(one_leg) == []
    assert len(answer_conflicts(disagrees)) == 1

    otp_login(client, staff_user(role=COORDINATOR))
    page = client.get(f"/admin/intake/reviewrequest/{disagrees.pk}/change/").content.decode()
    assert "Answers that disagree: check with the patient" in page
    assert "possible cauda equina" in page
    queue = client.get("/admin/intake/reviewrequest/", {"status": "all"}).content.decode()
    assert queue.count("answers disagree") == 1


def test_the_safety_box_on_every_page_lists_each_sign_in_its_tier(client):
    page = client.get("/").content.decode()
    emergency_part = page[
        page.index("Get emergency care now if") : page.index("See a doctor today or tomorrow")
    ]
    soon_part = page[page.index("See a doctor today or tomorrow") :]
    for flag in RED_FLAGS:
        if flag.tier == SafetyTier.EMERGENCY:
            assert flag.sign in emergency_part, flag.field
        elif flag.tier == SafetyTier.SEE_DOCTOR_SOON:
            assert flag.sign in soon_part, flag.field
            assert flag.sign not in emergency_part, flag.field
    assert "Chest pain or sudden shortness of breath" in emergency_part


def test_the_clinics_details_are_on_every_page_the_confirmation_and_the_e_mail(
    client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.CLINIC = {
        "name": "Riverside Spine Clinic",
        "phone": "(555) 555-0142",
        "address": "12 River Road, Springfield, ST 00000",
        "hours": "Monday to Friday, 8 am to 6 pm",
        "out_of_hours": "Out of hours, call (555) 555-0199.",
    }
    for url in ("/", "/exercises/", "/mri-review/", "/privacy/"):
        page = client.get(url).content.decode()
        for value in settings.CLINIC.values():
            assert value in page, (url, value)
        assert 'href="tel:5555550142"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = post_request(client, follow=True, imaging_plan="send_cd")
    page = response.content.decode()
    assert "Mail them to:" in page
    assert "12 River Road, Springfield, ST 00000" in page
    (email,) = [m for m in mailoutbox if m.to == ["maria@example.com"]]
    assert "(555) 555-0142" in email.body
    assert "Riverside Spine Clinic, 12 River Road" in email.body


def test_handouts_carry_the_clinics_phone_the_site_url_and_both_safety_lists(
    client, seeded, settings
):
    settings.SITE_URL = "https://spine.example.org"
    for url in ("/exercises/routines/gentle-start/print/", "/exercises/bird-dog/print/"):
        page = client.get(url).content.decode()
        assert f"Call {settings.CLINIC['name']} at {settings.CLINIC['phone']}" in page, url
        assert "https://spine.example.org/exercises/" in page, url
        assert "127.0.0.1" not in page, url
        assert "Call 911 or go to the emergency department" in page, url
        assert "See a doctor today or tomorrow" in page, url


def test_each_warning_sits_right_under_its_own_questions(client):
    """On a phone the patient sees the emergency message a few lines below the question, not after
    every other question of the section."""
    html = client.get("/mri-review/").content.decode()
    order = [
        html.index('name="trauma"'),  # the last emergency question
        html.index('id="safety-warning-emergency"'),
        html.index("Signs that need a doctor soon"),
        html.index('name="fracture_risk"'),  # the last "doctor soon" question
        html.index('id="safety-warning-see_doctor_soon"'),
        html.index('name="morning_stiffness"'),
        html.index('id="safety-warning-routine"'),
    ]
    assert order == sorted(order)
