"""The queue: order, filters, search, columns, a constant number of queries, and the home counts."""

import datetime
from http import HTTPStatus

import pytest
from django.utils import timezone

from intake.enums import ReviewStatus
from tests.factories import ReviewRequestFactory, UploadFactory
from tests.triage_support import COORDINATOR, otp_login, staff_user

pytestmark = pytest.mark.django_db
QUEUE = "/admin/intake/reviewrequest/"


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def results(client, **params) -> list:
    response = client.get(QUEUE, params)
    assert response.status_code == HTTPStatus.OK
    return list(response.context["cl"].result_list)


@pytest.fixture
def coordinator(client):
    user = staff_user(role=COORDINATOR)
    otp_login(client, user)
    return user


def test_emergency_first_then_see_a_doctor_soon_then_routine_oldest_first(client, coordinator):
    routine_old = ReviewRequestFactory(submitted_at=days_ago(3))
    routine_new = ReviewRequestFactory(submitted_at=days_ago(1))
    urgent_new = ReviewRequestFactory(submitted_at=days_ago(0.5), trauma=True)
    urgent_old = ReviewRequestFactory(submitted_at=days_ago(2), trauma=True)
    soon_old = ReviewRequestFactory(submitted_at=days_ago(3), cancer_history=True)
    soon_new = ReviewRequestFactory(submitted_at=days_ago(0.1), night_pain=True)
    assert results(client) == [urgent_old, urgent_new, soon_old, soon_new, routine_old, routine_new]


def test_open_requests_by_default_and_any_status_on_request(client, coordinator):
    new = ReviewRequestFactory()
    closed = ReviewRequestFactory(status=ReviewStatus.CLOSED)
    spam = ReviewRequestFactory(status=ReviewStatus.SPAM)
    assert results(client) == [new]
    assert results(client, status="closed") == [closed]
    assert set(results(client, status="all")) == {new, closed, spam}


def test_filters_tier_mine_unassigned_and_date(client, coordinator):
    urgent = ReviewRequestFactory(bladder_bowel_control=True, assignee=coordinator)
    other = ReviewRequestFactory(submitted_at=days_ago(40))
    assert results(client, tier__exact="1") == [urgent]
    assert results(client, assigned="me") == [urgent]
    assert results(client, assigned="nobody") == [other]
    # The "Past 7 days" choice of the date filter.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    week = {"submitted_at__gte": str(midnight - datetime.timedelta(days=7))}
    assert results(client, **week) == [urgent]


def test_the_overdue_filter_shows_open_requests_past_their_due_time_whatever_the_status_filter(
    client, coordinator
):
    late_new = ReviewRequestFactory(submitted_at=days_ago(10))
    late_review = ReviewRequestFactory(submitted_at=days_ago(9), status=ReviewStatus.IN_REVIEW)
    ReviewRequestFactory(submitted_at=days_ago(10), status=ReviewStatus.CLOSED)
    ReviewRequestFactory()  # due in a few days
    assert results(client, overdue="yes") == [late_new, late_review]
    assert results(client, overdue="yes", status="all") == [late_new, late_review]
    assert results(client, overdue="yes", status="in_review") == [late_review]
    assert results(client, overdue="yes", status="closed") == []


@pytest.mark.parametrize("field", ["reference", "last_name", "email", "phone"])
def test_search_by_reference_name_email_or_phone(client, coordinator, field):
    wanted = ReviewRequestFactory(
        last_name="Okonkwo", email="ada@example.net", phone="555-777-1212"
    )
    ReviewRequestFactory(last_name="Smith", email="other@example.net", phone="555-000-0000")
    assert results(client, q=getattr(wanted, field)) == [wanted]


def test_the_columns_show_patient_files_checks_and_due_by(client, coordinator):
    obj = ReviewRequestFactory(first_name="Ada", last_name="Okonkwo", trauma=True)
    UploadFactory(request=obj)
    UploadFactory(request=obj)
    html = client.get(QUEUE).content.decode()
    for text in ("Ada Okonkwo", "Emergency", "1 red flag", "Due by", "Imaging", "Waiting"):
        assert text in html
    assert results(client)[0].n_files == 2


def test_the_queue_takes_the_same_number_of_queries_for_10_or_300_requests(
    client, coordinator, django_assert_max_num_queries, django_assert_num_queries
):
    def build(n: int) -> None:
        for request in ReviewRequestFactory.create_batch(n, assignee=coordinator):
            UploadFactory(request=request)

    build(10)
    client.get(QUEUE)  # warm caches (content types, permissions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(QUEUE, {"status": "all"}).status_code == HTTPStatus.OK
    build(290)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(QUEUE, {"status": "all", "tier__exact": "3"})
    assert response.status_code == HTTPStatus.OK
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(QUEUE, {"q": "555"})


def test_the_admin_home_counts_new_urgent_overdue_and_mine(client, coordinator):
    ReviewRequestFactory()
    ReviewRequestFactory(both_legs=True, assignee=coordinator)
    ReviewRequestFactory(submitted_at=days_ago(30), status=ReviewStatus.IN_REVIEW)
    ReviewRequestFactory(status=ReviewStatus.CLOSED, assignee=coordinator)
    response = client.get("/admin/")
    assert response.context["triage_counts"] == {
        "new": 2,
        "emergency": 1,
        "soon": 0,
        "overdue": 1,
        "mine": 1,
    }
    html = response.content.decode()
    assert "MRI review requests" in html
    assert "assigned to me" in html


def test_the_admin_home_shows_no_counts_to_staff_without_a_role(client):
    otp_login(client, staff_user())
    assert client.get("/admin/").context["triage_counts"] is None
