"""CSV export: the selected requests, patients' own words only with the permission, injection-safe."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission

from intake.triage.services import csv_safe
from tests.factories import ReviewRequestFactory
from tests.triage_support import COORDINATOR, SURGEON, otp_login, staff_user

pytestmark = pytest.mark.django_db


def export(client, *objs) -> list[dict]:
    response = client.post(
        "/admin/intake/reviewrequest/",
        {"action": "export_csv", "_selected_action": [o.pk for o in objs]},
    )
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_export_has_the_selected_requests_without_free_text(client):
    chosen = ReviewRequestFactory(pain_onset_details="Lifting my grandson", trauma=True)
    ReviewRequestFactory()
    otp_login(client, staff_user(role=SURGEON))
    rows = export(client, chosen)
    assert [row["reference"] for row in rows] == [chosen.reference]
    assert "pain_onset_details" not in rows[0]
    assert "Lifting my grandson" not in str(rows)
    assert rows[0]["red_flags"] == "Back pain after a serious fall or accident"


def test_export_includes_free_text_with_the_permission(client):
    obj = ReviewRequestFactory(pain_onset_details="Lifting my grandson")
    user = staff_user(role=COORDINATOR)
    user.user_permissions.add(Permission.objects.get(codename="export_clinical_text"))
    otp_login(client, user)
    assert export(client, obj)[0]["pain_onset_details"] == "Lifting my grandson"


def test_cells_that_look_like_formulas_are_neutralised(client):
    obj = ReviewRequestFactory(first_name='=HYPERLINK("http://x")', last_name="+1", email="a@b.c")
    otp_login(client, staff_user(role=COORDINATOR))
    row = export(client, obj)[0]
    assert row["first_name"] == '\'=HYPERLINK("http://x")'
    assert row["last_name"] == "'+1"
    assert [csv_safe(v) for v in ("-2", "@SUM", "\tx", "plain", None, 3)] == [
        "'-2",
        "'@SUM",
        "'\tx",
        "plain",
        "",
        "3",
    ]


def test_staff_without_a_role_cannot_export(client):
    obj = ReviewRequestFactory()
    otp_login(client, staff_user())
    response = client.post(
        "/admin/intake/reviewrequest/", {"action": "export_csv", "_selected_action": [obj.pk]}
    )
    assert response.status_code == 403
