"""Debian's Orthanc on free loopback ports with a temporary storage folder (`make orthanc` installs
it): `with running_orthanc(tmp_dir) as orthanc: orthanc.http_url, orthanc.dicom_port, orthanc.aet`."""

import contextlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.storage_support import free_port, stop, wait_for_http

ORTHANC = "/usr/sbin/Orthanc"


@dataclass(frozen=True)
class Orthanc:
    aet: str
    dicom_port: int
    http_url: str
    process: subprocess.Popen


@contextlib.contextmanager
def running_orthanc(tmp_dir: Path):
    tmp_dir = Path(tmp_dir)
    storage = tmp_dir / "orthanc-storage"
    storage.mkdir(parents=True, exist_ok=True)
    http_port, dicom_port = free_port(), free_port()
    config = tmp_dir / "orthanc.json"
    config.write_text(
        json.dumps(
            {
                "Name": "backcare-test",
                "DicomAet": "ORTHANC",
                "StorageDirectory": str(storage),
                "IndexDirectory": str(storage),
                "HttpPort": http_port,
                "DicomPort": dicom_port,
                "RemoteAccessAllowed": False,  # loopback only
                "AuthenticationEnabled": False,
                "Plugins": [],
            }
        )
    )
    log = (tmp_dir / "orthanc.log").open("wb")
    process = subprocess.Popen([ORTHANC, str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{http_port}"
        wait_for_http(f"{url}/system", seconds=60, process=process)
        yield Orthanc("ORTHANC", dicom_port, url, process)
    finally:
        stop(process)
        log.close()
