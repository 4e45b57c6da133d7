"""The request form's shape (docs/form-shape.md): one page in numbered parts with a contents list,
and an error summary that stays short when whole parts are left empty."""

import re

import pytest

from intake.models import REQUEST_FIELD_GROUPS
from intake.request.red_flags import RED_FLAGS
from tests.factories import review_form_data
from tests.intake_support import intake_settings, post_request  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

SUMMARY_LINK = re.compile(r'<li>\s*<a href="#([^"]+)">([^<]+)</a>')


def summary_links(html: str) -> list[tuple[str, str]]:
    start = html.index('id="error-summary"')
    return SUMMARY_LINK.findall(html[start : html.index("</ul>", start)])


def empty_post(client, url: str = "/mri-review/", **answers):
    data = {"submission_token": review_form_data()["submission_token"], **answers}
    return client.post(url, data)


def test_each_part_is_numbered_and_the_contents_list_links_to_it(client):
    html = client.get("/mri-review/").content.decode()
    count = len(REQUEST_FIELD_GROUPS)
    start = html.index('class="form-contents"')
    contents = html[start : html.index("</nav>", start)]
    for number, group in enumerate(REQUEST_FIELD_GROUPS, start=1):
        assert f'<a href="#part-{group.key}">{group.patient_title}</a>' in contents
        part = html[html.index(f'id="part-{group.key}"') :]
        assert re.match(
            rf'id="part-{group.key}"[^>]*>\s*<legend>\s*<span class="form-part-caption">'
            rf"Part {number} of {count}</span>\s*<h2[^>]*>{re.escape(group.patient_title)}</h2>",
            part,
        ), group.key
    assert "What you will need" in html


def test_the_emergency_signs_are_all_at_the_top_of_the_form(client):
    html = client.get("/mri-review/").content.decode()
    top = html[html.index('id="emergency-heading"') : html.index('class="form-contents"')]
    for flag in RED_FLAGS:
        if flag.tier.name != "ROUTINE":
            assert flag.sign in top, flag.field
    emergency, soon = top.split("<details")
    assert "Call 911 or go to the emergency department" in emergency
    assert all(f.sign in emergency for f in RED_FLAGS if f.tier.name == "EMERGENCY")
    assert "See a doctor today or tomorrow" in soon


def test_a_part_left_empty_is_one_line_of_the_summary_leading_to_its_first_question(client):
    response = empty_post(client)
    form = response.context["form"]
    # Every question still has its own message beside it...
    assert len(form.errors) == 31
    assert all(f'id="id_{flag.field}_error"' in response.text for flag in RED_FLAGS)
    # ...and the summary names the empty parts, each leading to its first question.
    assert summary_links(response.text) == [
        ("id_first_name", "Fill in part 1, “About you”: 8 answers are missing"),
        ("id_pain_locations_0", "Fill in part 2, “Your pain”: 5 answers are missing"),
        ("id_imaging_plan_0", "Choose how you will send your MRI"),
        ("id_urine_trouble_0", "Fill in part 5, “Safety questions”: 14 answers are missing"),
        ("id_consent_privacy", "Fill in part 7, “Before you send”: 3 answers are missing"),
    ]


def test_a_part_the_patient_started_lists_each_of_its_problems(client):
    response = empty_post(client, first_name="Maria", urine_trouble="no")
    links = summary_links(response.text)
    assert ("id_last_name", "Enter your last name") in links
    assert ("id_first_name", "Enter your first name") not in links
    safety = [message for anchor, message in links if message.startswith("Answer yes or no")]
    assert len(safety) == 13  # each unanswered safety question by name, one at a time
    assert ("id_bladder_bowel_control_0", safety[0]) in links
    assert not any("part 1," in message or "part 5," in message for _a, message in links)
    # What was typed and chosen is on the page shown again.
    assert 'value="Maria"' in response.text
    assert re.search(r'value="no"\s+id="id_urine_trouble_1"[^>]*checked', response.text)


def test_a_part_with_one_missing_answer_names_that_answer(client):
    links = summary_links(post_request(client, trauma=None).text)
    assert links == [("id_trauma_0", links[0][1])]
    assert links[0][1].startswith("Answer yes or no: Did your back pain start after")


def test_the_summary_is_in_spanish_on_the_spanish_form(client):
    links = summary_links(empty_post(client, "/es/mri-review/").text)
    assert len(links) == 5
    assert links[0][0] == "id_first_name"
    assert links[0][1] == "Complete la parte 1, “Sobre usted”: faltan 8 respuestas"


def test_the_empty_spanish_and_english_pages_are_each_kept_once(client):
    english, spanish = client.get("/mri-review/"), client.get("/es/mri-review/")
    assert "Part 1 of 7" in english.text
    assert "Part 1 of 7" not in spanish.text
    again = client.get("/es/mri-review/")
    assert again.templates == []
    assert "Part 1 of 7" not in again.text
