"""The admin stays fast as the requests pile up: the same number of queries for 5 or 50 rows, the
plans of the e-mail search and the overdue filter on their indexes, the count capped, and the search
finding what it found before the indexes changed."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backcare.admin_base import CappedCountPaginator
from intake.enums import ReviewStatus
from intake.models import ReviewRequest
from tests.factories import ReviewRequestFactory, UploadFactory
from tests.queue_seed import seed_requests
from tests.triage_support import COORDINATOR, otp_login, staff_user

pytestmark = pytest.mark.django_db
QUEUE = "/admin/intake/reviewrequest/"
SEARCHED = ("reference", "first_name", "last_name", "email", "phone")


@pytest.fixture
def coordinator(client):
    user = staff_user(role=COORDINATOR)
    otp_login(client, user)
    return user


def queries_for(client, url: str, params: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == HTTPStatus.OK
    return [query["sql"] for query in captured.captured_queries]


def build(n: int, coordinator) -> None:
    """n open requests, all overdue, assigned, found by the searches below, each with a file."""
    for request in ReviewRequestFactory.create_batch(
        n,
        assignee=coordinator,
        email="pat@example.com",
        last_name="Smith",
        submitted_at=timezone.now() - datetime.timedelta(days=10),
    ):
        UploadFactory(request=request)


PAGES = {
    "home": ("/admin/", {}),
    "queue": (QUEUE, {}),
    "all": (QUEUE, {"status": "all"}),
    "overdue": (QUEUE, {"overdue": "yes"}),
    "e-mail search": (QUEUE, {"q": "pat@example.com"}),
    "name search": (QUEUE, {"q": "Smith"}),
}


@pytest.mark.parametrize("page", PAGES)
def test_the_home_and_queue_take_as_many_queries_for_50_requests_as_for_5(
    client, coordinator, page, django_assert_num_queries
):
    url, params = PAGES[page]
    build(5, coordinator)
    client.get(url, params)  # fills the per-process caches (content types, permissions)
    small = queries_for(client, url, params)
    build(45, coordinator)
    with django_assert_num_queries(len(small)):
        response = client.get(url, params)
    if url == QUEUE:
        assert len(response.context["cl"].result_list) == 50


def test_the_home_counts_only_open_requests():
    """The counts read the open requests alone (an index-only scan of the open requests' index),
    so closed ones never make the home slower; what they say is unchanged (test_triage_queue.py)."""
    user = staff_user(role=COORDINATOR)
    from intake.triage.services import home_counts

    with CaptureQueriesContext(connection) as captured:
        home_counts(user)
    counts = [q["sql"] for q in captured.captured_queries if "intake_reviewrequest" in q["sql"]]
    assert len(counts) == 1
    assert 'COUNT("intake_reviewrequest"."tier") FILTER' in counts[0]
    assert re.search(r'WHERE "intake_reviewrequest"\."status" IN \(', counts[0])


# --- Plans -----------------------------------------------------------------------------------------


@pytest.fixture
def many_requests():
    """20,000 requests as the bench makes them (names, domains, two years, ~6 % open), analysed."""
    with connection.cursor() as cursor:
        seed_requests(cursor, start=1_000_000, stop=1_019_999)
        cursor.execute("ANALYZE intake_reviewrequest")
        cursor.execute("ANALYZE intake_upload")
    return ReviewRequest.objects.order_by("pk")


def plans(sqls: list[str]) -> list[str]:
    """EXPLAIN of each query on the requests table, with the row scans of the table turned off:
    a plan that can only read the table whole shows as a Seq Scan all the same."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in sqls:
            if sql.startswith("SELECT") and 'FROM "intake_reviewrequest"' in sql:
                cursor.execute("EXPLAIN " + sql)
                found.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("SET LOCAL enable_seqscan = on")
    return found


def test_the_email_search_reads_the_trigram_index_of_the_part_before_the_at(
    client, coordinator, many_requests
):
    email = many_requests.filter(status__in=["new"])[5].email
    sqls = queries_for(client, QUEUE, {"status": "all", "q": email})
    explained = plans(sqls)
    assert explained, "the search ran no query on the requests table"
    for plan in explained:
        assert "Seq Scan on intake_reviewrequest" not in plan, plan
    # The address's part before the @ has its own index, without the domains' common trigrams.
    assert any("intake_rr_email_local_trgm_idx" in plan for plan in explained), explained


def test_the_email_search_is_on_the_index_without_help_from_the_settings(
    client, coordinator, many_requests
):
    """With the planner's defaults and 20,000 rows just inserted, Postgres itself picks the trigram
    index: with the index's pending list on (fastupdate) it chose a scan of the whole table."""
    email = many_requests.filter(status="new")[7].email
    count_sql = next(
        sql
        for sql in queries_for(client, QUEUE, {"status": "all", "q": email})
        if sql.startswith("SELECT COUNT(*)")
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + count_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "intake_rr_email_local_trgm_idx" in plan, plan


@pytest.mark.parametrize("term", ["Smith", "example.com", "email"])
def test_a_search_among_open_requests_counts_on_the_open_requests_search_index(
    client, coordinator, many_requests, term
):
    """Not the whole table's trigram indexes ANDed with all the open requests (bench/README.md):
    only indexes of the open requests. At a million rows that is the open requests' search index
    (each searched field its own column); on this test's 1,200 open requests Postgres may as well
    read them all through the due-date index and filter them, or take one address's few matches
    from the whole table's index of the e-mails' part before the @ (as selective there)."""
    if term == "email":
        term = many_requests.filter(status="new")[11].email
    count_sql = next(
        sql for sql in queries_for(client, QUEUE, {"q": term}) if sql.startswith("SELECT COUNT(*)")
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + count_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(r"intake_rr_open_(search_trgm|due|queue)_idx", plan), plan
    assert not re.search(r"intake_rr_(reference|first_name|last_name|email|phone)_trgm_idx", plan)
    assert "BitmapAnd" not in plan, plan
    assert "Seq Scan" not in plan, plan


def test_the_overdue_filter_and_its_count_read_an_index_of_the_open_requests(
    client, coordinator, many_requests
):
    explained = plans(queries_for(client, QUEUE, {"overdue": "yes"}))
    assert len(explained) >= 2  # the count and the page
    for plan in explained:
        assert "Seq Scan on intake_reviewrequest" not in plan, plan
        # The open requests' own indexes, or the status index read for the open statuses only.
        assert re.search(r"intake_rr_(open_queue|open_due|status)_idx", plan), plan


def test_the_default_queue_reads_the_open_requests_index_in_its_order(
    client, coordinator, many_requests
):
    page = [
        plan for plan in plans(queries_for(client, QUEUE)) if "LIMIT 50" in plan or "Limit" in plan
    ]
    assert any("Index Scan using intake_rr_open_queue_idx" in plan for plan in page), page


def test_the_home_counts_read_an_index_of_the_open_requests(client, coordinator, many_requests):
    explained = plans(queries_for(client, "/admin/"))
    assert len(explained) == 1
    # Right after a bulk insert the visibility map is empty and Postgres may read the rows by a
    # bitmap instead; after VACUUM (autovacuum, or the bench) it is an index-only scan.
    assert re.search(r"intake_rr_(open_queue|open_due|status)_idx", explained[0]), explained


# --- The count is capped ----------------------------------------------------------------------------


def test_past_the_cap_the_queue_says_more_than_and_still_pages(client, coordinator, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    ReviewRequestFactory.create_batch(5, last_name="Smith")
    response = client.get(QUEUE, {"q": "Smith"})
    html = response.content.decode()
    assert response.context["cl"].paginator.capped
    assert "More than 3 MRI review requests" in html
    assert "More than 3 results" in html
    assert "Select all MRI review requests that match (more than 3)" in html
    response = client.get(QUEUE, {"q": "Smith", "status": "all"})
    assert len(response.context["cl"].result_list) == 5  # list_per_page is 50: all on one page


def test_a_search_counts_up_to_its_own_lower_cap_and_a_list_up_to_the_cap(
    client, coordinator, monkeypatch
):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 6)
    monkeypatch.setattr(CappedCountPaginator, "SEARCH_CAP", 3)
    ReviewRequestFactory.create_batch(5, last_name="Smith")
    searched = client.get(QUEUE, {"q": "Smith"})
    assert searched.context["cl"].paginator.capped
    assert "More than 3 results" in searched.content.decode()
    listed = client.get(QUEUE)
    assert not listed.context["cl"].paginator.capped
    assert listed.context["cl"].result_count == 5
    assert not client.get(QUEUE, {"q": "  "}).context["cl"].paginator.capped


def test_under_the_cap_the_count_is_exact(client, coordinator):
    ReviewRequestFactory.create_batch(3, last_name="Smith")
    html = client.get(QUEUE, {"q": "Smith"}).content.decode()
    assert "3 results" in html
    assert "More than" not in html


# --- The search finds what it found before -------------------------------------------------------


def before(term: str) -> set[int]:
    """The admin's search as Django did it before: icontains on each field, any of them."""
    found = Q()
    for field in SEARCHED:
        found |= Q(**{f"{field}__icontains": term})
    return set(ReviewRequest.objects.filter(found).values_list("pk", flat=True))


def test_the_search_finds_the_same_requests_as_icontains_on_every_field(
    client, coordinator, many_requests
):
    sample = many_requests[321]
    terms = [
        *("Smith", "smith", "maria.smith", "@example.com", "example.com", "EXAMPLE.COM", "gmail"),
        *("555-", sample.reference, sample.reference[3:], sample.last_name),
        *(sample.email, sample.email[3:], sample.email.upper(), sample.email.split(".")[-2]),
    ]
    for searched in terms:
        response = client.get(QUEUE, {"status": "all", "q": searched})
        cl = response.context["cl"]
        expected = before(searched)
        assert cl.result_count == min(len(expected), CappedCountPaginator.SEARCH_CAP), searched
        shown = {obj.pk for obj in cl.result_list}
        assert shown <= expected, searched
        assert len(shown) == min(len(expected), 50), searched


def test_closed_and_spam_requests_are_searched_with_status_all(client, coordinator):
    closed = ReviewRequestFactory(status=ReviewStatus.CLOSED, email="old@example.org")
    response = client.get(QUEUE, {"status": "all", "q": "example.org"})
    assert list(response.context["cl"].result_list) == [closed]


def test_an_address_search_finds_every_address_that_contains_the_term():
    a = ReviewRequestFactory(email="anamaria.smith@gmail.com")
    b = ReviewRequestFactory(email="maria.smith@gmail.co.uk")
    c = ReviewRequestFactory(email="maria.smithers@gmail.com")
    cases = {
        "maria.smith@gmail.co": {a, b},
        "maria.smith@gmail.com": {a},
        "MARIA.SMITH@": {a, b},
        "@gmail.co": {a, b, c},
        "h@g": {a, b},
        "smith": {a, b, c},
    }
    for term, expected in cases.items():
        found = set(ReviewRequest.objects.filter(email__address_icontains=term))
        assert found == expected == set(ReviewRequest.objects.filter(email__icontains=term)), term
