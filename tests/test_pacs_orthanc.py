"""The private Orthanc the PACS tests and benchmark start (tests/orthanc.py) is a real, isolated PACS."""

import urllib.error

import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from tests.orthanc import running_orthanc


def echo(aet: str, port: int) -> bool:
    ae = AE(ae_title="BACKCARE_TEST")
    ae.add_requested_context(Verification)
    ae.acse_timeout = ae.network_timeout = 10
    association = ae.associate("127.0.0.1", port, ae_title=aet)
    if not association.is_established:
        return False
    status = association.send_c_echo()
    association.release()
    return status.Status == 0


def test_orthanc_answers_rest_and_c_echo_on_its_own_ports_then_stops(tmp_path):
    with running_orthanc(tmp_path) as pacs:
        assert pacs.get("/system")["DicomAet"] == pacs.aet
        assert pacs.get("/studies") == []
        assert echo(pacs.aet, pacs.dicom_port)
        assert (pacs.folder / "storage").is_dir()
        assert str(tmp_path) in str(pacs.folder)

        pacs.stop()

        assert not pacs.running
        with pytest.raises(urllib.error.URLError):
            pacs.get("/system", timeout=5)
        assert not echo(pacs.aet, pacs.dicom_port)


def test_two_orthancs_run_side_by_side_without_sharing_anything(tmp_path):
    with running_orthanc(tmp_path / "a") as one, running_orthanc(tmp_path / "b") as two:
        assert {one.dicom_port, one.http_url}.isdisjoint({two.dicom_port, two.http_url})
        assert one.folder != two.folder
