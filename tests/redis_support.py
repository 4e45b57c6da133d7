"""A private Redis for the tests that need one: its own redis-server process, listening only on a
Unix socket in a fresh folder, so it can never be the developer's Redis nor another run's."""

import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.storage_support import stop


@contextmanager
def private_redis(*, seconds: float = 30):
    """Start redis-server (no TCP port, nothing saved to disk); yield its URL; stop it and remove
    its folder."""
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("redis-server is not installed: apt-get install redis-server")
    # A short folder of our own: a Unix socket path must stay under about 100 characters.
    folder = Path(tempfile.mkdtemp(prefix="backcare-redis-"))
    socket = folder / "redis.sock"
    with (folder / "redis.log").open("wb") as log:
        process = subprocess.Popen(
            [
                *(server, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"),
                *("--dir", str(folder), "--save", "", "--appendonly", "no"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"unix://{socket}"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + seconds
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "redis.log").read_text(errors="replace")
                    raise RuntimeError(f"redis-server did not start:\n{log}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        stop(process)
        shutil.rmtree(folder, ignore_errors=True)
