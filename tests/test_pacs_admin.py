"""The request page's "Clinic's PACS" section: who may send, what the web request does (record and
queue, never DICOM), the task it queues, retry and "Test connection", against a real Orthanc."""

import io
import zipfile
from http import HTTPStatus

import pydicom
import pytest
from django_tasks_db.models import DBTaskResult
from pydicom.uid import generate_uid

from intake.enums import AccessAction, PacsInstanceStatus, PacsSendStatus
from intake.models import AccessLog, PacsSend
from intake.rules import FileKind
from intake.triage.tasks import send_to_pacs
from tests.factories import PYDICOM_TEST_FILES, ReviewRequestFactory, UploadFactory
from tests.orthanc import running_orthanc
from tests.triage_support import COORDINATOR, SURGEON, otp_login, staff_user

pytestmark = pytest.mark.django_db

TASK_PATH = "intake.triage.tasks.send_to_pacs"


def zipped_study(count: int = 2) -> bytes:
    study, series = generate_uid(), generate_uid()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(count):
            ds = pydicom.dcmread(PYDICOM_TEST_FILES / "MR_small.dcm")
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
            data = io.BytesIO()
            ds.save_as(data, enforce_file_format=True)
            archive.writestr(f"DICOM/IM{number}", data.getvalue())
    return buffer.getvalue()


@pytest.fixture
def orthanc(tmp_path, settings):
    with running_orthanc(tmp_path / "pacs") as running:
        settings.PACS_HOST = "127.0.0.1"
        settings.PACS_PORT = running.dicom_port
        settings.PACS_AE_TITLE = running.aet
        settings.PACS_CALLING_AE_TITLE = "BACKCARE_TEST"
        yield running


@pytest.fixture
def with_study():
    review_request = ReviewRequestFactory()
    UploadFactory(
        request=review_request, content=zipped_study(), kind=FileKind.ZIP, original_name="cd.zip"
    )
    return review_request


def page(review_request) -> str:
    return f"/admin/intake/reviewrequest/{review_request.pk}/change/"


def send_url(review_request) -> str:
    return f"/admin/intake/reviewrequest/{review_request.pk}/pacs/send/"


def test_a_coordinator_sends_the_web_request_only_queues_and_the_worker_sends(
    client, orthanc, with_study, django_capture_on_commit_callbacks
):
    coordinator = staff_user(role=COORDINATOR)
    otp_login(client, coordinator)
    html = client.get(page(with_study)).content.decode()
    assert "Send to PACS" in html
    assert "Test connection" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(with_study), {"patient_id": " MRN-77 "})

    assert response.status_code == HTTPStatus.FOUND
    send = PacsSend.objects.get()
    assert (send.patient_id, send.accession_number) == (
        "MRN-77",
        with_study.reference.replace("-", ""),
    )
    assert send.status == PacsSendStatus.QUEUED
    assert orthanc.get("/instances") == []  # nothing was sent by the web request
    (queued,) = DBTaskResult.objects.filter(task_path=TASK_PATH)
    assert queued.args_kwargs["args"] == [send.pk]
    record = AccessLog.objects.get(action=AccessAction.PACS_SEND)
    assert (record.user, record.reference) == (coordinator, with_study.reference)

    send_to_pacs.call(send.pk)  # what the worker runs

    assert len(orthanc.get("/instances")) == 2
    html = client.get(page(with_study)).content.decode()
    assert "2 of 2" in html
    assert "MRN-77" in html


def test_a_surgeon_sees_the_sends_but_cannot_send_or_echo(client, orthanc, with_study):
    otp_login(client, staff_user(role=SURGEON))
    html = client.get(page(with_study)).content.decode()
    assert "Clinic&#x27;s PACS" in html or "Clinic's PACS" in html
    assert "Send to PACS</button>" not in html
    assert "Test connection" not in html
    base = f"/admin/intake/reviewrequest/{with_study.pk}/pacs"
    for url in (f"{base}/send/", f"{base}/echo/"):
        assert client.post(url, {"patient_id": "MRN-1"}).status_code == HTTPStatus.FORBIDDEN
    assert not PacsSend.objects.exists()


def test_staff_without_a_role_cannot_send(client, orthanc, with_study):
    otp_login(client, staff_user())
    assert client.post(send_url(with_study), {"patient_id": "MRN-1"}).status_code == 403
    assert not PacsSend.objects.exists()


def test_a_get_never_sends(client, orthanc, with_study):
    otp_login(client, staff_user(role=COORDINATOR))
    assert client.get(send_url(with_study)).status_code == HTTPStatus.FORBIDDEN
    assert not PacsSend.objects.exists()


@pytest.mark.parametrize("mrn", ["", "A\\B", "MRN\x01", "M" * 65])
def test_an_mrn_dicom_cannot_hold_is_refused_with_a_message(client, orthanc, with_study, mrn):
    otp_login(client, staff_user(role=COORDINATOR))
    response = client.post(send_url(with_study), {"patient_id": mrn}, follow=True)
    assert "Not sent. Clinic MRN" in response.content.decode()
    assert not PacsSend.objects.exists()


def test_without_a_configured_pacs_the_page_says_so_and_nothing_is_queued(
    client, settings, with_study
):
    settings.PACS_HOST = ""
    otp_login(client, staff_user(role=COORDINATOR))
    assert "No PACS is configured" in client.get(page(with_study)).content.decode()
    response = client.post(send_url(with_study), {"patient_id": "MRN-1"}, follow=True)
    assert "no PACS is configured" in response.content.decode()
    assert not PacsSend.objects.exists()


def test_test_connection_shows_the_echo_result(client, orthanc, with_study):
    otp_login(client, staff_user(role=COORDINATOR))
    url = f"/admin/intake/reviewrequest/{with_study.pk}/pacs/echo/"
    answered = client.post(url, follow=True).content.decode()
    assert f"The PACS {orthanc.aet}@127.0.0.1:{orthanc.dicom_port} answered." in answered
    orthanc.stop()
    refused = client.post(url, follow=True).content.decode()
    assert "did not answer" in refused


def test_retry_queues_the_failed_images_only(
    client, orthanc, with_study, django_capture_on_commit_callbacks
):
    coordinator = staff_user(role=COORDINATOR)
    otp_login(client, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(send_url(with_study), {"patient_id": "MRN-5"})
    send = PacsSend.objects.get()
    send_to_pacs.call(send.pk)
    first = send.instances.order_by("pk").first()
    first.status, first.detail = PacsInstanceStatus.FAILED, "The PACS refused it (status 0xa700)."
    first.save()
    PacsSend.objects.filter(pk=send.pk).update(status=PacsSendStatus.PARTLY_SENT)
    assert "Send the failed images again" in client.get(page(with_study)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/intake/reviewrequest/{with_study.pk}/pacs/retry/{send.pk}/", follow=True
        )

    assert "1 image(s) queued to be sent again" in response.content.decode()
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 2
    assert send.instances.filter(status=PacsInstanceStatus.PENDING).get() == first
    send_to_pacs.call(send.pk)
    send.refresh_from_db()
    assert send.status == PacsSendStatus.SENT
    assert sorted(send.instances.values_list("attempts", flat=True)) == [1, 2]
    assert AccessLog.objects.filter(action=AccessAction.PACS_SEND, user=coordinator).count() == 2
