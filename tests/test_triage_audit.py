"""Access records: written for views, downloads and exports; the database refuses to change them."""

import csv
import io
from http import HTTPStatus

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from intake.models import AccessLog
from tests.factories import ReviewRequestFactory, UploadFactory
from tests.triage_support import COORDINATOR, otp_login, staff_user

pytestmark = pytest.mark.django_db


def test_viewing_a_request_writes_an_access_record(client):
    user = staff_user(role=COORDINATOR)
    obj = ReviewRequestFactory()
    otp_login(client, user)
    client.get(f"/admin/intake/reviewrequest/{obj.pk}/change/", REMOTE_ADDR="10.1.2.3")
    record = AccessLog.objects.get()
    assert (record.user, record.action, record.request_id, record.reference) == (
        user,
        "view",
        obj.pk,
        obj.reference,
    )
    assert record.client_address == "10.1.2.3"


def test_downloading_a_file_writes_an_access_record(client):
    user = staff_user(role=COORDINATOR)
    upload = UploadFactory()
    otp_login(client, user)
    assert client.get(f"/mri-review/files/{upload.pk}/").status_code == HTTPStatus.OK
    record = AccessLog.objects.get()
    assert (record.action, record.upload_id, record.reference) == (
        "download",
        upload.pk,
        upload.request.reference,
    )


def test_a_refused_download_writes_nothing(client):
    upload = UploadFactory()
    otp_login(client, staff_user())
    assert client.get(f"/mri-review/files/{upload.pk}/").status_code == HTTPStatus.FORBIDDEN
    assert not AccessLog.objects.exists()


def test_exporting_writes_one_record_per_request(client):
    user = staff_user(role=COORDINATOR)
    first, second = ReviewRequestFactory(), ReviewRequestFactory()
    otp_login(client, user)
    response = client.post(
        "/admin/intake/reviewrequest/",
        {"action": "export_csv", "_selected_action": [first.pk, second.pk]},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    records = AccessLog.objects.filter(action="export")
    assert sorted(records.values_list("reference", flat=True)) == sorted(
        [first.reference, second.reference]
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE intake_accesslog SET detail = 'changed'",
        "DELETE FROM intake_accesslog",
    ],
)
def test_the_database_refuses_to_change_or_delete_access_records(sql):
    AccessLog.objects.create(action="view", reference="BC-2345-6789")
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AccessLog.objects.get().detail == ""


def test_the_orm_cannot_change_access_records_either():
    record = AccessLog.objects.create(action="view", reference="BC-2345-6789")
    with pytest.raises(ProgrammingError), transaction.atomic():
        AccessLog.objects.filter(pk=record.pk).update(detail="x")
    with pytest.raises(ProgrammingError), transaction.atomic():
        record.delete()


def test_staff_read_access_records_filtered_by_user_or_request_but_cannot_change_them(
    admin_client,
):
    mine = AccessLog.objects.create(action="view", reference="BC-2345-6789")
    AccessLog.objects.create(action="view", reference="BC-9999-9999")
    found = admin_client.get("/admin/intake/accesslog/", {"q": "BC-2345-6789"})
    assert list(found.context["cl"].result_list) == [mine]
    assert admin_client.get("/admin/intake/accesslog/add/").status_code == HTTPStatus.FORBIDDEN
    change = admin_client.get(f"/admin/intake/accesslog/{mine.pk}/change/")
    assert change.status_code == HTTPStatus.OK
    assert 'name="_save"' not in change.content.decode()
    delete = admin_client.post(f"/admin/intake/accesslog/{mine.pk}/delete/", {"post": "yes"})
    assert delete.status_code == HTTPStatus.FORBIDDEN
    by_user = admin_client.get("/admin/intake/accesslog/", {"user__id__exact": "1"})
    assert by_user.status_code == HTTPStatus.OK
