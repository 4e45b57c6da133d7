"""The queue's rows come from backcare.admin_base.FastRowsChangeList: the same HTML, cell for cell, as
Django's own changelist rows (items_for_result), for every kind of request and every kind of list."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.admin.templatetags import admin_list
from django.utils import timezone

from backcare.admin_base import FastRowsChangeList
from intake.enums import ImagingPlan, Language, ReviewStatus
from intake.models import TriageCheck
from tests.factories import ReviewRequestFactory, UploadFactory
from tests.triage_support import COORDINATOR, otp_login, staff_user

pytestmark = pytest.mark.django_db
QUEUE = "/admin/intake/reviewrequest/"


@pytest.fixture
def coordinator(client):
    user = staff_user(role=COORDINATOR)
    otp_login(client, user)
    return user


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def requests_of_every_kind(coordinator):
    """Each column's cases: tiers, statuses, languages, assigned or not, overdue or not, files or
    none, an imaging line, a triage check, disagreeing answers, names that need escaping."""
    made = [
        ReviewRequestFactory(trauma=True, assignee=coordinator, submitted_at=days_ago(3)),
        ReviewRequestFactory(night_pain=True, status=ReviewStatus.IN_REVIEW),
        ReviewRequestFactory(
            first_name="<b>Ann</b>", last_name="O'Hara & Co", language=Language.SPANISH
        ),
        ReviewRequestFactory(imaging_plan=ImagingPlan.SEND_CD, submitted_at=days_ago(40)),
        ReviewRequestFactory(
            status=ReviewStatus.CLOSED, imaging_line="MR lumbar spine, 4 series, 120 images"
        ),
        ReviewRequestFactory(pain_locations=["both_legs"], both_legs=False, cancer_history=True),
        ReviewRequestFactory(status=ReviewStatus.WAITING_FOR_PATIENT, submitted_at=days_ago(0.1)),
    ]
    UploadFactory(request=made[0])
    UploadFactory(request=made[0])
    UploadFactory(request=made[4])
    TriageCheck.objects.create(request=made[4], code="not_spine", message="Not the spine")
    return made


LISTS = [
    {},
    {"status": "all"},
    {"status": "all", "o": "-3.2"},  # sorted by other columns: the headers change, rows too
    {"tier__exact": "1"},
    {"assigned": "me", "status": "all"},
    {"overdue": "yes"},
    {"q": "Hara"},
    {"status": "all", "q": "o"},
]


@pytest.mark.parametrize("params", LISTS, ids=[str(p) for p in LISTS])
def test_the_rows_are_the_same_html_as_djangos(client, requests_of_every_kind, params, monkeypatch):
    def not_used(*args):
        raise AssertionError("the page made its rows with Django's items_for_result")

    monkeypatch.setattr(admin_list, "items_for_result", not_used)
    response = client.get(QUEUE, params)
    monkeypatch.undo()
    assert response.status_code == HTTPStatus.OK
    cl = response.context["cl"]
    assert isinstance(cl, FastRowsChangeList)
    assert cl.result_list, "the list is empty: nothing compared"
    ours = [list(row) for row in cl.result_table["results"]]
    djangos = [list(row) for row in admin_list.results(cl)]
    assert ours == djangos
    assert cl.result_table["result_headers"] == list(admin_list.result_headers(cl))
    html = response.content.decode()
    for row in ours:
        assert "<tr>" + "".join(row) + "</tr>" in html


def test_the_row_links_keep_the_lists_filters(client, requests_of_every_kind):
    response = client.get(QUEUE, {"status": "all", "q": "Hara"})
    html = response.content.decode()
    obj = requests_of_every_kind[2]
    assert (
        f'<a href="{QUEUE}{obj.pk}/change/?_changelist_filters=status%3Dall%26q%3DHara">'
        f"{obj.reference}</a>"
    ) in html


def test_the_checkbox_selects_the_row_for_an_action(client, requests_of_every_kind):
    obj = requests_of_every_kind[2]
    html = client.get(QUEUE).content.decode()
    assert (
        f'<input type="checkbox" name="_selected_action" value="{obj.pk}" class="action-select" '
        f'aria-label="Select this object for an action - {obj.reference}">'
    ) in html
