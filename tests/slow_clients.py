"""Slow clients for the tests: a tus PATCH whose body trickles in over a raw socket, and what
Postgres says about the transactions meanwhile."""

import contextlib
import socket
import ssl
import threading
import time

import psycopg


class Trickle:
    """A tus PATCH that sends its headers, then one byte of its body every `interval` seconds in a
    thread of its own, over plain TCP or TLS. `finish` sends the rest at once and reads the status;
    `close` just drops the connection."""

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        cookie: str,
        *,
        offset: int,
        body: bytes,
        interval: float,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.body = body
        self.interval = interval
        self.sent = 0
        self._stop = threading.Event()
        raw = socket.create_connection((host, port), timeout=30)
        self.sock = context.wrap_socket(raw, server_hostname=host) if context else raw
        self.sock.sendall(
            (
                f"PATCH {path} HTTP/1.1\r\nHost: {host}:{port}\r\nTus-Resumable: 1.0.0\r\n"
                f"Cookie: {cookie}\r\nContent-Type: application/offset+octet-stream\r\n"
                f"Upload-Offset: {offset}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
        )
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        # Leave the last byte for `finish`, so the request is never complete on its own.
        while self.sent < len(self.body) - 1 and not self._stop.is_set():
            try:
                self.sock.sendall(self.body[self.sent : self.sent + 1])
            except OSError:
                return
            self.sent += 1
            self._stop.wait(self.interval)

    def wait_until_sent(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.sent < count:
            assert time.monotonic() < deadline, f"only {self.sent} bytes trickled out"
            time.sleep(0.05)

    def _halt(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def finish(self) -> int:
        """Send the rest of the body at once; the response's status code."""
        self._halt()
        # The server may have answered before the end of the body: then read what it said.
        with contextlib.suppress(BrokenPipeError):
            self.sock.sendall(self.body[self.sent :])
        answer = b""
        while b"\r\n" not in answer:
            piece = self.sock.recv(4096)
            if not piece:
                break
            answer += piece
        self.close()
        return int(answer.split(b" ", 2)[1])

    def close(self) -> None:
        self._halt()
        self.sock.close()


def idle_in_transaction(database_url: str) -> list[str]:
    """The queries of sessions on that database sitting "idle in transaction" right now."""
    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = %s AND state LIKE %s",
            [name, "idle in transaction%"],
        ).fetchall()
    return [query for (query,) in rows]
