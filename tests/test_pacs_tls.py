"""DICOM over TLS (PACS_TLS_CA, PACS_TLS_CERT, PACS_TLS_KEY) against Orthanc with DICOM TLS on and
client certificates required: certificates made by openssl for the test, none committed."""

import subprocess
from pathlib import Path

import pytest

from intake.enums import PacsSendStatus
from intake.models import PacsSend
from intake.rules import FileKind
from intake.triage import pacs
from tests.factories import ReviewRequestFactory, UploadFactory, mr_bytes
from tests.orthanc import running_orthanc
from tests.triage_support import COORDINATOR, staff_user

pytestmark = pytest.mark.django_db


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def certificates(folder: Path) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    folder.mkdir()
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", "ca.key", "-out", "ca.crt", cwd=folder,
    )  # fmt: skip
    for name, extension in (
        ("server", "subjectAltName=IP:127.0.0.1"),
        ("client", "extendedKeyUsage=clientAuth"),
    ):
        openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=folder,
        )  # fmt: skip
        (folder / f"{name}.ext").write_text(extension + "\n")
        openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt",
            cwd=folder,
        )  # fmt: skip
    return folder


@pytest.fixture
def tls_orthanc(tmp_path, settings):
    certs = certificates(tmp_path / "certs")
    config = {
        "DicomTlsEnabled": True,
        "DicomTlsCertificate": str(certs / "server.crt"),
        "DicomTlsPrivateKey": str(certs / "server.key"),
        "DicomTlsTrustedCertificates": str(certs / "ca.crt"),
        "DicomTlsRemoteCertificateRequired": True,
    }
    with running_orthanc(tmp_path / "pacs", config=config) as orthanc:
        settings.PACS_HOST = "127.0.0.1"
        settings.PACS_PORT = orthanc.dicom_port
        settings.PACS_AE_TITLE = orthanc.aet
        settings.PACS_TLS_CA = str(certs / "ca.crt")
        settings.PACS_TLS_CERT = str(certs / "client.crt")
        settings.PACS_TLS_KEY = str(certs / "client.key")
        yield orthanc


def test_echo_and_send_go_over_tls_with_our_client_certificate(tls_orthanc):
    answered, sentence = pacs.test_connection()
    assert answered, sentence
    assert "(TLS)" in sentence
    review_request = ReviewRequestFactory()
    UploadFactory(request=review_request, content=mr_bytes(), kind=FileKind.DICOM)
    send = PacsSend.objects.create(
        request=review_request,
        patient_id="MRN-TLS",
        accession_number="A1",
        destination=str(pacs.destination()),
        created_by=staff_user(role=COORDINATOR),
    )

    assert pacs.run_send(send.pk).status == PacsSendStatus.SENT
    (instance,) = tls_orthanc.get("/instances")
    assert tls_orthanc.get(f"/instances/{instance}/simplified-tags")["PatientID"] == "MRN-TLS"


def test_without_our_certificate_the_tls_pacs_refuses(tls_orthanc, settings):
    settings.PACS_TLS_CERT = settings.PACS_TLS_KEY = ""
    answered, _sentence = pacs.test_connection()
    assert not answered


def test_plain_dicom_to_a_tls_port_fails_cleanly(tls_orthanc, settings):
    settings.PACS_TLS_CA = settings.PACS_TLS_CERT = settings.PACS_TLS_KEY = ""
    answered, sentence = pacs.test_connection()
    assert not answered
    assert sentence
