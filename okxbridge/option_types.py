# -*- test-case-name: tests.test_options -*-
"""How the daemon's options are read and checked, one coercer each (:mod:`.options`).

Each raises ``ValueError`` or ``usage.UsageError`` with the value it refused and what it
wants instead, so a mistyped option stops ``twistd`` with a sentence, not a traceback.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from twisted.python import usage

from .convert.intents import MARGIN_MODES
from .listening import is_local_address


def one_of(*allowed):
    def coerce(value):
        value = str(value).strip().lower()
        if value not in allowed:
            raise ValueError(f"must be {' or '.join(allowed)}, got {value!r}")
        return value
    coerce.coerceDoc = f"One of: {', '.join(allowed)}."
    return coerce


def key_margin_mode(value: str) -> tuple[str, str]:
    """``ACCESS_KEY=isolated`` → (access key, mode)."""
    key, sep, mode = str(value).partition("=")
    if not sep or not key.strip():
        raise ValueError(f"expected ACCESS_KEY=cross|isolated, got {value[:40]!r}")
    return key.strip(), one_of(*MARGIN_MODES)(mode)


def positive(kind):
    def coerce(value):
        number = kind(value)
        if number <= 0:
            raise ValueError(f"must be positive, got {value}")
        return number
    coerce.coerceDoc = "Must be positive."
    return coerce


def check_okx_url(url: str) -> str:
    """``https://…``, or ``http://`` to a loopback host only (the emulator): every signed
    request carries the passphrase and a signature, which must not cross a network in clear."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise usage.UsageError(f"--okx-url {url!r} is not an http(s) URL; use https://www.okx.com")
    if parts.scheme == "http" and not is_local_address(parts.hostname):
        raise usage.UsageError(
            f"--okx-url {url} refused: plain http:// would send the passphrase and signatures of every call "
            f"across the network unencrypted; use https:// (http:// is allowed only to a loopback host, such "
            f"as an emulator on 127.0.0.1)")
    return url
