"""A real PACS for the tests and benchmarks: Debian's Orthanc (`make orthanc` installs it), started
on free loopback ports with a generated configuration and its own storage folder.

    with running_orthanc(tmp_path) as pacs:
        pacs.aet, pacs.dicom_port, pacs.http_url   # C-STORE / C-ECHO here; REST API there
        pacs.get("/studies")                        # JSON from the REST API
        pacs.stop()                                 # e.g. in the middle of a send

Never the system's Orthanc service (whose fixed ports 4242/8042 may be taken or busy): each call starts
its own process, and the `with` block stops it and leaves its files in `tmp_dir`.
"""

import contextlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ORTHANC = "/usr/sbin/Orthanc"
AET = "ORTHANC_TEST"
START_TIMEOUT = 60  # seconds; a busy shared machine can be slow to start it


class OrthancFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Orthanc:
    aet: str
    dicom_port: int
    http_url: str
    folder: Path
    process: subprocess.Popen = field(repr=False)

    def get(self, path: str, *, raw: bool = False, timeout: float = 60):
        """GET from the REST API: decoded JSON, or the body's bytes with raw=True."""
        with urllib.request.urlopen(f"{self.http_url}{path}", timeout=timeout) as response:  # noqa: S310 - our own loopback server
            body = response.read()
        return body if raw else json.loads(body)

    def stop(self) -> None:
        """Stop Orthanc now (idempotent): associations in progress are cut."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)

    @property
    def running(self) -> bool:
        return self.process.poll() is None


def _config(folder: Path, http_port: int, dicom_port: int, overrides: dict) -> dict:
    storage = folder / "storage"
    return {
        "Name": "backcare-tests",
        "StorageDirectory": str(storage),
        "IndexDirectory": str(storage),
        "HttpPort": http_port,
        "RemoteAccessAllowed": False,  # loopback only
        "AuthenticationEnabled": False,
        "DicomServerEnabled": True,
        "DicomAet": AET,
        "DicomPort": dicom_port,
        "DicomCheckCalledAet": True,
        "DicomAlwaysAllowEcho": True,
        "DicomAlwaysAllowStore": True,
        "Plugins": [],
        "LuaScripts": [],
        "WebDavEnabled": False,
        "StorageCompression": False,
        "StableAge": 1,
        **overrides,
    }


def _wait_until_ready(pacs: Orthanc, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not pacs.running:
            raise OrthancFailed(f"Orthanc exited at start:\n{log.read_text()[-2000:]}")
        try:
            pacs.get("/system", timeout=2)
            with socket.create_connection(("127.0.0.1", pacs.dicom_port), timeout=2):
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.05)
    raise OrthancFailed(f"Orthanc did not answer in {START_TIMEOUT} s:\n{log.read_text()[-2000:]}")


@contextlib.contextmanager
def running_orthanc(tmp_dir: Path, *, config: dict | None = None) -> Iterator[Orthanc]:
    """A private Orthanc on free loopback ports, storing under `tmp_dir`; `config` overrides keys
    of the generated configuration (e.g. {"AcceptedTransferSyntaxes": [...]})."""
    if not Path(ORTHANC).exists():
        raise OrthancFailed(
            "Orthanc is not installed: run `make orthanc` (Debian's orthanc package)"
        )
    for attempt in range(3):  # a free port can be taken by someone else before Orthanc binds it
        folder = Path(tmp_dir) / f"orthanc-{attempt}"
        folder.mkdir(parents=True, exist_ok=True)
        http_port, dicom_port = free_port(), free_port()
        config_path = folder / "orthanc.json"
        config_path.write_text(json.dumps(_config(folder, http_port, dicom_port, config or {})))
        log = folder / "orthanc.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [ORTHANC, str(config_path)], stdout=log_file, stderr=subprocess.STDOUT
            )
        pacs = Orthanc(AET, dicom_port, f"http://127.0.0.1:{http_port}", folder, process)
        try:
            _wait_until_ready(pacs, log)
        except OrthancFailed:
            pacs.stop()
            if attempt == 2:
                raise
            continue
        try:
            yield pacs
        finally:
            pacs.stop()
        return
