"""The request's field groups are defined once (intake.models.REQUEST_FIELD_GROUPS) and read by the
form's layout, the admin's fieldsets and the CSV export."""

import re

from crispy_forms.utils import render_crispy_form
from django.contrib import admin

from intake.models import REQUEST_FIELD_GROUPS, ReviewRequest
from intake.request.forms import ReviewRequestForm
from intake.triage.services import CLINICAL_TEXT_FIELDS, EXPORT_FIELDS, NOT_EXPORTED

GROUPED = [name for group in REQUEST_FIELD_GROUPS for name in group.fields]


def test_every_answer_belongs_to_one_group_and_the_form_asks_them_in_that_order():
    assert len(GROUPED) == len(set(GROUPED))
    assert ReviewRequestForm._meta.fields == GROUPED


def test_the_forms_sections_are_the_groups_in_order():
    html = render_crispy_form(ReviewRequestForm())
    legends = re.findall(r"<legend[^>]*>.*?<h2[^>]*>(.*?)</h2>", html, re.S)  # after "Part n of 7"
    assert [legend.strip() for legend in legends] == [g.patient_title for g in REQUEST_FIELD_GROUPS]


def test_the_admins_fieldsets_are_the_groups_after_the_triage_block():
    fieldsets = admin.site._registry[ReviewRequest].fieldsets
    assert [title for title, _ in fieldsets] == [
        "Triage",
        *(group.staff_title for group in REQUEST_FIELD_GROUPS),
    ]


def test_the_export_holds_the_exported_groups_without_the_patients_own_words():
    exported = [
        name
        for group in REQUEST_FIELD_GROUPS
        if group.exported
        for name in group.fields
        if name not in CLINICAL_TEXT_FIELDS + NOT_EXPORTED
    ]
    assert EXPORT_FIELDS[5:] == tuple(exported)
    assert set(CLINICAL_TEXT_FIELDS) <= set(GROUPED)
