"""The production server in a subprocess, and a patient's browser as plain HTTP.

Used by the resilience tests and by `make bench` (bench/run.py): gunicorn with DEBUG off on
127.0.0.1 and a free port, against a database and a private storage folder given by the caller, and a
form client that does what a browser does (GET for the CSRF cookie and token, then a multipart POST
streamed from disk, so a 500 MB file never sits in the client's memory either).
"""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# The clinic details production requires (backcare.settings.CLINIC), as plain examples: 555 numbers
# are reserved for fiction. Every DEBUG-off process the tests and benchmarks start gets these.
EXAMPLE_CLINIC_ENV = {
    "CLINIC_PHONE": "(555) 555-0100",
    "CLINIC_ADDRESS": "Example address: 100 Main Street, Springfield, ST 00000",
    "CLINIC_HOURS": "Monday to Friday, 8 am to 5 pm",
    "CLINIC_OUT_OF_HOURS": "When we are closed, leave a message and we will call you back.",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name: str, port: int = 5432) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{name}"


@dataclass
class Gunicorn:
    """`make serve`'s server (gthread, DEBUG off, HTTPS=false) with the given environment."""

    database_url: str
    storage: Path
    env: dict[str, str] = field(default_factory=dict)
    workers: int = 2
    threads: int = 4
    log_path: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backcare.settings",
            "DEBUG": "false",
            "HTTPS": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.base_url,
            **EXAMPLE_CLINIC_ENV,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "EMAIL_BACKEND": "file",
            "EMAIL_FILE_PATH": str(self.storage.parent / "mail"),
            "DATABASE_URL": self.database_url,
            "PRIVATE_STORAGE_ROOT": str(self.storage),
            **self.env,
        }

    def start(self, timeout: float = 30) -> "Gunicorn":
        self.storage.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path or os.devnull, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "backcare.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--worker-class",
                "gthread",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                "120",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            if get_status(self.base_url + "/healthz", headers=self.probe_headers()) == 200 and len(
                self.worker_pids()
            ) == (self.workers):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def probe_headers(self) -> dict[str, str]:
        # Behind the proxy (HTTPS on) a plain request is redirected to https://; say what the
        # proxy would say, as the proxy is not there yet.
        return {"X-Forwarded-Proto": "https"} if self.env.get("BEHIND_PROXY") == "true" else {}

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except FileNotFoundError:
            return []

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def get_status(url: str, timeout: float = 5, headers: dict[str, str] | None = None) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - 127.0.0.1 only
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - 127.0.0.1 only
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        line.split(":")[0]: int(line.split()[1])
        for line in status.splitlines()
        if line.startswith(("VmRSS", "VmHWM"))
    }


def reset_peak_memory(pid: int) -> None:
    """Linux resets VmHWM to the current RSS when "5" is written to clear_refs."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


# --- The patient's side ----------------------------------------------------------------------------

# A complete, valid answer to every question of the MRI review form, as a browser posts it (the test
# factories build on it too).
FORM = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "date_of_birth": "03/27/1968",
    "email": "maria@example.com",
    "phone": "555-201-3344",
    "zip_code": "10001",
    "preferred_contact": "phone",
    "best_time_to_call": "morning",
    "pain_locations": ["lower_back", "one_leg"],
    "back_pain_score": "6",
    "leg_pain_score": "8",
    "pain_duration": "3_12_months",
    "pain_onset": "slowly",
    "pain_onset_details": "",
    "tried_physical_therapy": "on",
    "physical_therapy_weeks": "8",
    "tried_medicines": "on",
    "imaging_plan": "upload",
    "mri_date": "",
    "mri_facility": "",
    "urine_trouble": "no",
    "bladder_bowel_control": "no",
    "saddle_numbness": "no",
    "sexual_problems": "no",
    "both_legs": "no",
    "worsening_weakness": "no",
    "trauma": "no",
    "fever_unwell": "no",
    "cancer_history": "no",
    "weight_loss": "no",
    "night_pain": "no",
    "infection_risk": "no",
    "fracture_risk": "no",
    "morning_stiffness": "no",
    "insurance_carrier": "",
    "consent_privacy": "on",
    "consent_contact": "on",
    "consent_not_emergency": "on",
    "homepage": "",
}

REFERENCE = re.compile(r'id="reference">\s*(BC-[0-9A-Z]{4}-[0-9A-Z]{4})\s*<')
CHUNK = 1024 * 1024


@dataclass
class Reply:
    status: int
    body: str
    reference: str | None = None


@dataclass
class FileToSend:
    name: str
    path: Path | None = None
    content: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.content) if self.content is not None else self.path.stat().st_size

    def chunks(self) -> Iterator[bytes]:
        if self.content is not None:
            yield self.content
            return
        with self.path.open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk


def _multipart(fields: dict, files: Iterable[FileToSend], boundary: str) -> tuple[list, int]:
    """The body as a list of bytes and files, and its length, without reading any file."""
    parts: list[bytes | FileToSend] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{item}\r\n".encode()
            )
    for upload in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{upload.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        parts.append(upload)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    length = sum(p.size if isinstance(p, FileToSend) else len(p) for p in parts)
    return parts, length


class Patient:
    """One browser: keeps its cookies, fetches the form, sends it with files."""

    def __init__(self, base_url: str, timeout: float = 120) -> None:
        self.host, port = base_url.removeprefix("http://").split(":")
        self.port = int(port)
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.last_location: str | None = None

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie} if cookie else {}

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def get(self, path: str) -> Reply:
        connection = self._connection()
        try:
            connection.request("GET", path, headers=self._headers())
            response = connection.getresponse()
            body = response.read().decode(errors="replace")
            self._keep_cookies(response)
            return Reply(response.status, body)
        finally:
            connection.close()

    def start_upload_session(self) -> int:
        """What the upload dashboard does before its first upload: the form page (which starts no
        session), then one POST with its CSRF token for the session the uploads will share."""
        form = self.get("/mri-review/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        connection = self._connection()
        try:
            connection.request(
                "POST",
                "/mri-review/upload-session/",
                headers={**self._headers(), "X-CSRFToken": token.group(1) if token else ""},
            )
            response = connection.getresponse()
            response.read()
            self._keep_cookies(response)
            return response.status
        finally:
            connection.close()

    def post_files(self, path: str, files: Iterable[FileToSend], fields: dict) -> tuple[int, str]:
        """A multipart POST streamed from disk; the status and body of the answer (no redirects)."""
        boundary = uuid.uuid4().hex
        parts, length = _multipart(fields, files, boundary)
        connection = self._connection()
        try:
            connection.putrequest("POST", path)
            headers = {
                **self._headers(),
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
                "Referer": f"http://{self.host}:{self.port}{path}",
            }
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            try:
                for part in parts:
                    for chunk in part.chunks() if isinstance(part, FileToSend) else [part]:
                        connection.send(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered before reading everything; read its answer
            response = connection.getresponse()
            body = response.read().decode(errors="replace")
            self._keep_cookies(response)
            self.last_location = response.headers.get("Location")
            return response.status, body
        finally:
            connection.close()

    def submit(self, files: Iterable[FileToSend], **overrides) -> Reply:
        """GET the form, POST it with the files, follow the redirect to the confirmation."""
        form = self.get("/mri-review/")
        if form.status != 200:
            return form
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        fields = {
            **FORM,
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "submission_token": str(uuid.uuid4()),
            **overrides,
        }
        status, body = self.post_files("/mri-review/", files, fields)
        location = self.last_location
        if status == 302 and location:
            thanks = self.get(location)
            found = REFERENCE.search(thanks.body)
            return Reply(thanks.status, thanks.body, found.group(1) if found else None)
        return Reply(status, body)
