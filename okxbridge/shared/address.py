# -*- test-case-name: tests.shared.test_address -*-
"""Where the shared Redis is and how to reach it safely: ``redis://`` or ``rediss://`` (TLS),
an ACL user name in the URL, the password from a file, the CA bundle the server's certificate
is checked against.

Instances on several hosts share one account through Redis, which puts Redis on a network:
anyone who can reach it could delete claims (→ doubled orders) or spend OKX's budgets. So the
password is read from a file (never a URL, which reaches logs, process lists and shell
history) and kept in :class:`RedisPassword`, whose ``repr``/``str`` never show it; and a
``rediss://`` connection verifies the certificate and the host name as HTTPS does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
from twisted.internet import ssl
from twisted.internet.endpoints import HostnameEndpoint, wrapClientTLS

from ..okx.http import load_bundle

SCHEMES = ("redis", "rediss")


@attrs.frozen
class RedisAddress:
    host: str
    port: int = 6379
    db: int = 0
    user: str | None = None
    tls: bool = False

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{'rediss' if self.tls else 'redis'}://{user}{self.host}:{self.port}/{self.db}"


@attrs.frozen
class RedisPassword:
    """The AUTH password; shown as ``RedisPassword(<hidden>)`` wherever it is printed."""

    value: str = attrs.field(repr=False)

    def __repr__(self) -> str:
        return "RedisPassword(<hidden>)"

    __str__ = __repr__


def without_password(text: str) -> str:
    """The URL as an error may quote it: a password in it replaced by ``***``."""
    parts = urlsplit(text[:200])
    if parts.password is None:
        return text[:80]
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()[:80]


def parse_redis_url(text: str | RedisAddress) -> RedisAddress:
    """``redis[s]://[user@]host[:port][/db]`` → RedisAddress; anything else is a ValueError
    that says what is wrong without quoting a password."""
    if isinstance(text, RedisAddress):
        return text
    parts = urlsplit(text)
    if parts.password is not None:
        raise ValueError(f"{without_password(text)!r}: a password in the URL is refused (it would show in "
                         "logs and process lists); put it in a file named by --shared-state-password-file")
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError(f"{text[:80]!r} is not redis://[user@]host:port/db or rediss://[user@]host:port/db")
    db = parts.path.strip("/") or "0"
    if not db.isdigit():
        raise ValueError(f"database {db!r} must be a number")
    try:
        port = parts.port or 6379
    except ValueError:
        raise ValueError(f"bad port in {text[:80]!r}") from None
    return RedisAddress(parts.hostname, port, int(db), parts.username or None, parts.scheme == "rediss")


def read_password(path: str) -> RedisPassword:
    """The file's first line (a trailing newline is not part of the password)."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"cannot read {path} ({type(e).__name__})") from None
    lines = raw.splitlines()
    if not lines or not lines[0]:
        raise ValueError(f"{path} is empty: its first line is the Redis password")
    return RedisPassword(lines[0])


def read_trust_root(path: str) -> Any:
    """The CA bundle a ``rediss://`` server's certificate must chain to."""
    try:
        return load_bundle(path).trust_root
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot use {path} as a CA bundle ({e})") from None


def redis_endpoint(reactor: Any, address: RedisAddress, trust_root: Any, timeout: float) -> Any:
    """TCP, or TLS over TCP for ``rediss://``: the certificate must chain to ``trust_root``
    (the system's CAs when None) and name ``address.host`` (a DNS name or an IP address)."""
    endpoint = HostnameEndpoint(reactor, address.host, address.port, timeout=timeout)
    if not address.tls:
        return endpoint
    options = ssl.optionsForClientTLS(address.host, trustRoot=trust_root) if trust_root is not None \
        else ssl.optionsForClientTLS(address.host)
    return wrapClientTLS(options, endpoint)
