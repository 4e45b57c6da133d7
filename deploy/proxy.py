"""Run the shipped nginx configuration (deploy/nginx/backcare.conf) as a non-system nginx.

Everything lives in one run folder: the filled-in configuration, a self-signed certificate made by
openssl at start (its private key never leaves the folder, and nothing here is committed), the pid,
logs and nginx's temporary files. Used by tests/test_proxy.py and by hand:

    python -m deploy.proxy --upstream 127.0.0.1:8000 --https-port 8443 --http-port 8080

serves https://127.0.0.1:8443/ in front of a gunicorn on 127.0.0.1:8000 (run that one with
`HTTPS=true BEHIND_PROXY=true`, as `make serve-tls` does) until Ctrl-C.
"""

import argparse
import contextlib
import os
import re
import shutil
import socket
import ssl
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx" / "backcare.conf"
# The tus chunk the browser sends (INTAKE_TUS_CHUNK_SIZE, 8 MiB) and a little room.
TUS_BODY_LIMIT = "9m"


def nginx_binary() -> str:
    # Debian puts nginx in /usr/sbin, which is not on a plain user's PATH.
    return shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Nginx:
    upstream: str
    run: Path
    https_port: int
    http_port: int
    host: str = "127.0.0.1"
    server_name: str = "localhost 127.0.0.1"
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def certificate(self) -> Path:
        return self.run / "certificate.pem"

    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.https_port}"

    def make_certificate(self) -> None:
        """A self-signed certificate for this host, valid for a week; the key is readable by the
        owner only."""
        key = self.run / "certificate-key.pem"
        subprocess.run(  # noqa: S603 - openssl with our own arguments
            [
                shutil.which("openssl") or "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "7",
                "-subj",
                "/CN=BackCare local",
                "-addext",
                f"subjectAltName=DNS:localhost,IP:{self.host}",
                "-keyout",
                str(key),
                "-out",
                str(self.certificate),
            ],
            check=True,
            capture_output=True,
        )
        key.chmod(0o600)

    def render(self) -> Path:
        suffix = "" if self.https_port == 443 else f":{self.https_port}"
        values = {
            "RUN": str(self.run),
            "UPSTREAM": self.upstream,
            "SERVER_NAME": self.server_name,
            "HTTP_LISTEN": f"{self.host}:{self.http_port}",
            "HTTPS_LISTEN": f"{self.host}:{self.https_port}",
            "HTTPS_PORT_SUFFIX": suffix,
            "CERTIFICATE": str(self.certificate),
            "CERTIFICATE_KEY": str(self.run / "certificate-key.pem"),
            "TUS_BODY_LIMIT": TUS_BODY_LIMIT,
        }
        text = TEMPLATE.read_text()
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        if left := re.findall(r"@[A-Z_]+@", text):
            raise ValueError(f"backcare.conf has placeholders nobody filled: {left}")
        conf = self.run / "nginx.conf"
        conf.write_text(text)
        return conf

    def command(self, conf: Path) -> list[str]:
        return [
            nginx_binary(),
            "-p",
            str(self.run),
            "-e",
            str(self.run / "error.log"),
            "-c",
            str(conf),
            "-g",
            "daemon off;",
        ]

    def start(self, timeout: float = 15) -> "Nginx":
        self.run.mkdir(parents=True, exist_ok=True)
        # Started by root, nginx's workers run as "nobody" and spool request bodies under RUN: every
        # folder on the way must let them through (a tus chunk is 8 MiB, more than nginx keeps in
        # memory, so a folder they cannot reach fails every real upload with 500).
        self.run.chmod(0o755)
        if os.geteuid() == 0:
            closed = [str(d) for d in self.run.parents if not d.stat().st_mode & stat.S_IXOTH]
            if closed:
                raise RuntimeError(
                    f"nginx's workers could not reach {self.run}: {closed} are closed"
                )
        self.make_certificate()
        conf = self.render()
        subprocess.run([*self.command(conf), "-t", "-q"], check=True)  # noqa: S603
        self.process = subprocess.Popen(self.command(conf))  # noqa: S603
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log()}")
            try:
                with socket.create_connection((self.host, self.https_port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen in time: {self.log()}")

    def log(self) -> str:
        path = self.run / "error.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this nginx's certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "Nginx":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", default="127.0.0.1:8000", help="gunicorn's host:port")
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--http-port", type=int, default=8080)
    parser.add_argument("--run", type=Path, default=Path("var/proxy"), help="the run folder")
    args = parser.parse_args()
    nginx = Nginx(args.upstream, args.run.resolve(), args.https_port, args.http_port)
    with nginx:
        print(f"BackCare on {nginx.base_url}/ (certificate: {nginx.certificate}); Ctrl-C stops")
        with contextlib.suppress(KeyboardInterrupt):
            nginx.process.wait()


if __name__ == "__main__":
    main()
