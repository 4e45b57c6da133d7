"""Send to PACS, end to end against a real PACS (Debian's Orthanc, tests/orthanc.py): what arrives
(counts, reconciled IDs, pixel data), compressed studies, the uncompressed fallback, resends, a retry
after Orthanc dies mid-send, the stored upload untouched, the audit trail."""

import hashlib
import io
import zipfile

import numpy as np
import pydicom
import pytest
from django.core.files.storage import default_storage
from django.test import RequestFactory
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from intake.enums import AccessAction, PacsInstanceStatus, PacsSendStatus
from intake.imaging.pacs import read_ahead
from intake.models import AccessLog, PacsInstance, PacsSend
from intake.rules import FileKind
from intake.triage import pacs
from tests.factories import PYDICOM_TEST_FILES, ReviewRequestFactory, UploadFactory
from tests.orthanc import running_orthanc
from tests.triage_support import COORDINATOR, staff_user

pytestmark = pytest.mark.django_db

MRN = "CLINIC-000123"
LOSSLESS = [
    "MR_small_RLE.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_jp2klossless.dcm",
    "SC_rgb_jpeg_gdcm.dcm",  # JPEG Lossless, process 14
]
UNCOMPRESSED_ONLY = {"AcceptedTransferSyntaxes": ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"]}


# --- Real files ---------------------------------------------------------------------------------


def dicom_bytes(name: str = "MR_small.dcm", *, study=None, series=None, **header) -> bytes:
    """A pydicom test file with a new SOP Instance UID (and the study/series given); its pixel
    data, compressed or not, is kept byte for byte."""
    ds = pydicom.dcmread(PYDICOM_TEST_FILES / name)
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    if study:
        ds.StudyInstanceUID = study
    if series:
        ds.SeriesInstanceUID = series
    ds.IssuerOfPatientID = "OUTSIDE-IMAGING"
    for keyword, value in header.items():
        setattr(ds, keyword, value)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("AUTORUN.INF", b"[autorun]\r\n")  # CD clutter: not DICOM, not sent
    return buffer.getvalue()


def cd_of(count: int, *, series: int = 2) -> dict[str, bytes]:
    study = generate_uid()
    series_uids = [generate_uid() for _ in range(series)]
    return {
        f"DICOM/S{i % series}/IM{i:04d}": dicom_bytes(
            study=study, series=series_uids[i % series], InstanceNumber=i + 1
        )
        for i in range(count)
    }


def store(review_request, data: bytes, kind: str = FileKind.ZIP):
    return UploadFactory(request=review_request, content=data, kind=kind, original_name="cd.zip")


def expected_counts(files: list[bytes]) -> tuple[int, int, int]:
    headers = [pydicom.dcmread(io.BytesIO(f), stop_before_pixels=True) for f in files]
    return (
        len({h.StudyInstanceUID for h in headers}),
        len({h.SeriesInstanceUID for h in headers}),
        len({h.SOPInstanceUID for h in headers}),
    )


def orthanc_counts(orthanc) -> tuple[int, int, int]:
    return tuple(len(orthanc.get(f"/{level}")) for level in ("studies", "series", "instances"))


def orthanc_copies(orthanc) -> dict[str, pydicom.Dataset]:
    """Every instance Orthanc holds, as the bytes it would hand back, by SOP Instance UID."""
    copies = {}
    for instance_id in orthanc.get("/instances"):
        data = orthanc.get(f"/instances/{instance_id}/file", raw=True)
        ds = pydicom.dcmread(io.BytesIO(data))
        copies[ds.SOPInstanceUID] = ds
    return copies


# --- Fixtures -------------------------------------------------------------------------------------


def point_at(settings, orthanc) -> None:
    settings.PACS_HOST = "127.0.0.1"
    settings.PACS_PORT = orthanc.dicom_port
    settings.PACS_AE_TITLE = orthanc.aet
    settings.PACS_CALLING_AE_TITLE = "BACKCARE_TEST"
    settings.PACS_TIMEOUT = 20


@pytest.fixture
def orthanc(tmp_path, settings):
    with running_orthanc(tmp_path / "pacs") as running:
        point_at(settings, running)
        yield running


@pytest.fixture
def coordinator():
    return staff_user("coordinator@example.org", role=COORDINATOR)


def queue_send(review_request, user, *, patient_id=MRN, accession_number="") -> PacsSend:
    """What start_send records (the view's part is tested in test_pacs_admin.py)."""
    return PacsSend.objects.create(
        request=review_request,
        patient_id=patient_id,
        accession_number=accession_number or pacs.assigned_accession(review_request),
        destination=str(pacs.destination()),
        created_by=user,
    )


# --- Tests ----------------------------------------------------------------------------------------


@pytest.mark.every_storage
def test_every_instance_arrives_under_the_clinic_mrn_with_identical_pixels(orthanc, coordinator):
    review_request = ReviewRequestFactory()
    cd = cd_of(6)
    single = dicom_bytes(PatientID="OTHER-SITE-9")
    uploads = [store(review_request, zipped(cd)), store(review_request, single, FileKind.DICOM)]
    stored_before = {u.pk: u.sha256 for u in uploads}

    send = pacs.run_send(queue_send(review_request, coordinator).pk)

    assert send.status == PacsSendStatus.SENT
    originals = [*cd.values(), single]
    assert orthanc_counts(orthanc) == expected_counts(originals) == (2, 3, 7)
    copies = orthanc_copies(orthanc)
    for data in originals:
        original = pydicom.dcmread(io.BytesIO(data))
        copy = copies[original.SOPInstanceUID]
        assert copy.PatientID == MRN
        assert copy.AccessionNumber == review_request.reference.replace("-", "")
        assert "IssuerOfPatientID" not in copy  # none configured for the clinic
        (moved,) = copy.OtherPatientIDsSequence
        assert (moved.PatientID, moved.IssuerOfPatientID) == (
            original.PatientID,
            "OUTSIDE-IMAGING",
        )
        assert copy.PixelData == original.PixelData
        assert copy.StudyInstanceUID == original.StudyInstanceUID
    tags = orthanc.get(f"/instances/{orthanc.get('/instances')[0]}/simplified-tags")
    assert tags["PatientID"] == MRN
    # The patient's stored files were only read.
    for upload in uploads:
        with default_storage.open(upload.file.name, "rb") as kept:
            assert hashlib.sha256(kept.read()).hexdigest() == stored_before[upload.pk]
    assert set(send.instances.values_list("status", flat=True)) == {PacsInstanceStatus.SENT}
    assert send.instances.count() == 7


def test_compressed_instances_go_in_their_own_syntax_and_decode_to_the_same_pixels(
    orthanc, coordinator
):
    review_request = ReviewRequestFactory()
    files = {f"DICOM/{name}": dicom_bytes(name) for name in LOSSLESS}
    store(review_request, zipped(files))

    send = pacs.run_send(queue_send(review_request, coordinator).pk)

    assert send.status == PacsSendStatus.SENT
    assert orthanc_counts(orthanc) == expected_counts(list(files.values()))
    copies = orthanc_copies(orthanc)
    for data in files.values():
        original = pydicom.dcmread(io.BytesIO(data))
        copy = copies[original.SOPInstanceUID]
        assert copy.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
        assert copy.PixelData == original.PixelData  # the compressed stream, bit for bit
        assert np.array_equal(copy.pixel_array, original.pixel_array)
    mr = pydicom.dcmread(PYDICOM_TEST_FILES / "MR_small.dcm").pixel_array
    rle = next(c for c in copies.values() if c.file_meta.TransferSyntaxUID.endswith(".1.2.5"))
    assert np.array_equal(rle.pixel_array, mr)  # lossless: the very pixels of the original scan
    assert set(send.instances.values_list("detail", flat=True)) == {"sent"}


def test_a_pacs_that_takes_only_uncompressed_gets_the_pixels_decompressed(
    tmp_path, settings, coordinator
):
    review_request = ReviewRequestFactory()
    files = {f"DICOM/{name}": dicom_bytes(name) for name in LOSSLESS}
    store(review_request, zipped(files))

    with running_orthanc(tmp_path / "pacs", config=UNCOMPRESSED_ONLY) as orthanc:
        point_at(settings, orthanc)
        send = pacs.run_send(queue_send(review_request, coordinator).pk)
        copies = orthanc_copies(orthanc)

    assert send.status == PacsSendStatus.SENT
    assert set(send.instances.values_list("detail", flat=True)) == {"sent decompressed"}
    for data in files.values():
        original = pydicom.dcmread(io.BytesIO(data))
        copy = copies[original.SOPInstanceUID]  # the same instance: its UID is kept
        assert copy.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
        assert np.array_equal(copy.pixel_array, original.pixel_array)
        assert copy.PatientID == MRN


def test_sending_twice_leaves_one_copy_of_each_instance(orthanc, coordinator):
    review_request = ReviewRequestFactory()
    store(review_request, zipped(cd_of(4)))

    first = pacs.run_send(queue_send(review_request, coordinator).pk)
    counts = orthanc_counts(orthanc)
    second = pacs.run_send(queue_send(review_request, coordinator).pk)

    assert first.status == second.status == PacsSendStatus.SENT
    assert orthanc_counts(orthanc) == counts == (1, 2, 4)
    # A send already done does nothing when its task runs again (a requeued task).
    again = pacs.run_send(first.pk)
    assert again.status == PacsSendStatus.SENT
    assert set(first.instances.values_list("attempts", flat=True)) == {1}


def test_the_same_cd_uploaded_twice_is_sent_once(orthanc, coordinator):
    review_request = ReviewRequestFactory()
    cd = zipped(cd_of(3))
    store(review_request, cd)
    store(review_request, cd)  # the same bytes again, as another stored file

    send = pacs.run_send(queue_send(review_request, coordinator).pk)

    assert send.instances.count() == 3
    assert orthanc_counts(orthanc)[2] == 3


KILL_ON_FOURTH = """
received = 0
function ReceivedInstanceFilter(dicom, origin, info)
  received = received + 1
  if received == 4 then
    os.exit(3)  -- Orthanc dies while the fourth image is arriving
  end
  return true
end
"""


def test_a_retry_after_orthanc_died_mid_send_sends_only_the_failed_instances(
    tmp_path, settings, coordinator
):
    review_request = ReviewRequestFactory()
    store(review_request, zipped(cd_of(10)))
    script = tmp_path / "kill.lua"
    script.write_text(KILL_ON_FOURTH)
    storage = tmp_path / "pacs-storage"
    kept = {"StorageDirectory": str(storage), "IndexDirectory": str(storage)}

    with running_orthanc(tmp_path / "first", config={**kept, "LuaScripts": [str(script)]}) as dying:
        point_at(settings, dying)
        send = pacs.run_send(queue_send(review_request, coordinator).pk)
        assert not dying.running

    assert send.status == PacsSendStatus.PARTLY_SENT
    sent_first = set(send.instances.filter(status="sent").values_list("pk", flat=True))
    assert len(sent_first) == 3
    failed = send.instances.filter(status=PacsInstanceStatus.FAILED)
    assert failed.count() == 7
    assert "lost" in failed.first().detail

    with running_orthanc(tmp_path / "again", config=kept) as orthanc:  # the same PACS, restarted
        point_at(settings, orthanc)
        assert orthanc_counts(orthanc)[2] == 3
        request = RequestFactory().post("/")
        request.user = coordinator
        assert pacs.retry_send(send=send, request=request) == 7
        send = pacs.run_send(send.pk)
        assert orthanc_counts(orthanc) == (1, 2, 10)

    assert send.status == PacsSendStatus.SENT
    attempts = dict(send.instances.values_list("pk", "attempts"))
    assert {attempts[pk] for pk in sent_first} == {1}  # not sent again
    assert sorted(attempts.values()) == [1] * 3 + [2] * 7


def test_a_pacs_that_does_not_answer_fails_the_send_with_a_reason(tmp_path, settings, coordinator):
    review_request = ReviewRequestFactory()
    store(review_request, zipped(cd_of(2)))
    with running_orthanc(tmp_path / "pacs") as orthanc:
        point_at(settings, orthanc)
        orthanc.stop()
        send = pacs.run_send(queue_send(review_request, coordinator).pk)

    assert send.status == PacsSendStatus.FAILED
    assert set(send.instances.values_list("status", flat=True)) == {PacsInstanceStatus.FAILED}
    assert "did not answer" in send.instances.first().detail


def test_a_request_without_dicom_says_there_is_nothing_to_send(orthanc, coordinator):
    review_request = ReviewRequestFactory()
    UploadFactory(request=review_request)  # a photo

    send = pacs.run_send(queue_send(review_request, coordinator).pk)

    assert send.status == PacsSendStatus.FAILED
    assert "no DICOM images" in send.detail
    assert orthanc_counts(orthanc) == (0, 0, 0)


def test_each_run_is_in_the_access_log(orthanc, coordinator):
    review_request = ReviewRequestFactory()
    store(review_request, zipped(cd_of(2)))

    send = pacs.run_send(queue_send(review_request, coordinator).pk)

    record = AccessLog.objects.get(action=AccessAction.PACS_SEND)
    assert record.reference == review_request.reference
    assert record.user is None  # the worker's own record
    assert record.detail == f"send {send.pk}: 2 of 2 instance(s) in the PACS"
    assert PacsInstance.objects.filter(send=send).count() == 2


def test_c_echo_answers_when_orthanc_runs_and_explains_when_it_does_not(orthanc, settings):
    answered, sentence = pacs.test_connection()
    assert answered, sentence
    assert orthanc.aet in sentence

    settings.PACS_AE_TITLE = "NOT_ORTHANC"  # Orthanc checks the called AE title
    answered, sentence = pacs.test_connection()
    assert not answered
    assert "refused" in sentence

    settings.PACS_AE_TITLE = orthanc.aet
    orthanc.stop()
    answered, sentence = pacs.test_connection()
    assert not answered
    assert "did not answer" in sentence


def test_c_echo_without_a_configured_pacs_says_what_to_set(settings):
    settings.PACS_HOST = ""
    answered, sentence = pacs.test_connection()
    assert not answered
    assert "PACS_HOST" in sentence


def test_read_ahead_hands_over_every_item_in_order_and_passes_errors_on():
    assert list(read_ahead(iter(range(50)))) == list(range(50))

    def failing():
        yield 1
        raise ValueError("damaged")

    with pytest.raises(ValueError, match="damaged"):
        list(read_ahead(failing()))


def test_read_ahead_closes_the_reader_when_the_sender_stops_early():
    closed = []

    def endless():
        try:
            number = 0
            while True:
                number += 1
                yield number
        finally:
            closed.append(True)

    for number in read_ahead(endless()):
        if number == 3:
            break
    assert closed == [True]
