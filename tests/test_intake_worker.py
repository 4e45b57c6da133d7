"""The follow-up e-mails go through the real database queue and the real worker process."""

import pytest
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult

from intake.models import ReviewRequest
from tests.factories import pdf_bytes
from tests.intake_support import post_request, run_db_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_submission_is_followed_by_e_mails_sent_by_the_db_worker(
    client, tmp_path, private_storage
):
    cache.clear()
    post_request(client, files=[("report.pdf", pdf_bytes())], first_name="Rosa")
    review_request = ReviewRequest.objects.get()
    queued = DBTaskResult.objects.all()
    assert queued.count() == 3  # two e-mails and the processing of the one upload
    assert {task.status for task in queued} == {"READY"}

    run_db_worker(tmp_path, private_storage)

    assert {task.status for task in DBTaskResult.objects.all()} == {"SUCCESSFUL"}
    mail = "\n".join(p.read_text() for p in (tmp_path / "mail").iterdir())
    assert "Dear Rosa," in mail
    assert review_request.reference in mail
    assert f"/admin/intake/reviewrequest/{review_request.pk}/change/" in mail
    assert "report.pdf" not in mail
