"""The test's private storage, local folder or S3 bucket (a real moto server), behind one small API.

Tests marked `every_storage` run once on each (see conftest.py), so the same test proves the same
behaviour on one machine's disk and on a shared bucket.
"""

import os
import socket
import stat
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import boto3
import requests
from botocore.config import Config

MOTO_REGION = "us-east-1"
MOTO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, *, seconds: float, process: subprocess.Popen | None = None) -> None:
    """Until `url` answers at all (any status), or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            requests.get(url, timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):  # not listening, or still starting
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class MotoServer:
    url: str
    process: subprocess.Popen

    @classmethod
    def start(cls, log: Path) -> "MotoServer":
        port = free_port()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("moto_server")),
                    "-H",
                    "127.0.0.1",
                    "-p",
                    str(port),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = cls(url=f"http://127.0.0.1:{port}", process=process)
        try:
            wait_for_http(server.url, seconds=30, process=process)
        except BaseException:
            stop(process)
            raise
        return server

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=MOTO_REGION,
            aws_access_key_id=MOTO_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=MOTO_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(signature_version="s3v4"),
        )

    def new_bucket(self) -> str:
        name = f"backcare-test-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def storage_settings(self, bucket: str) -> dict:
        return {
            "BACKEND": "intake.uploads.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": self.url,
                "region_name": MOTO_REGION,
                "access_key": MOTO_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "secret_key": MOTO_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "querystring_expire": 60,
            },
        }

    def environment(self, bucket: str) -> dict[str, str]:
        """What a subprocess (gunicorn, a worker) needs to use the same bucket."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_S3_REGION_NAME": MOTO_REGION,
            **MOTO_CREDENTIALS,
        }


class LocalFiles:
    """The test's private folder."""

    backend = "local"

    def __init__(self, location: Path):
        self.location = location

    def environment(self) -> dict[str, str]:
        """What a subprocess (a worker) needs to use the same folder."""
        return {"STORAGE_BACKEND": "local", "PRIVATE_STORAGE_ROOT": str(self.location)}

    def read(self, name: str) -> bytes:
        return (self.location / name).read_bytes()

    def exists(self, name: str) -> bool:
        return (self.location / name).is_file()

    def write(self, name: str, data: bytes) -> None:
        path = self.location / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def names(self) -> list[str]:
        if not self.location.exists():
            return []
        return sorted(
            str(p.relative_to(self.location)) for p in self.location.rglob("*") if p.is_file()
        )

    def assert_private(self, name: str) -> None:
        """Readable by the app's own user only."""
        assert stat.S_IMODE(os.stat(self.location / name).st_mode) == 0o600


class BucketFiles:
    """The test's own bucket on the moto server."""

    backend = "s3"
    location = None

    def __init__(self, server: MotoServer, bucket: str):
        self.server = server
        self.bucket = bucket
        self.s3 = server.client()

    def environment(self) -> dict[str, str]:
        return self.server.environment(self.bucket)

    def read(self, name: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=name)["Body"].read()

    def exists(self, name: str) -> bool:
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=name)
        return any(item["Key"] == name for item in listed.get("Contents", []))

    def write(self, name: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=str(PurePosixPath(name)), Body=data)

    def names(self) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def assert_private(self, name: str) -> None:
        """Encrypted at rest, and refused to anyone without credentials."""
        head = self.s3.head_object(Bucket=self.bucket, Key=name)
        assert head["ServerSideEncryption"] == "AES256"
        anonymous = requests.get(f"{self.server.url}/{self.bucket}/{name}", timeout=10)
        assert anonymous.status_code == 403

    def empty(self) -> None:
        for name in self.names():
            self.s3.delete_object(Bucket=self.bucket, Key=name)
        self.s3.delete_bucket(Bucket=self.bucket)
