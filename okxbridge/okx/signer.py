# -*- test-case-name: tests.okx.test_signer -*-
"""OKX v5 request signing (docs: #overview-rest-authentication).

``OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))``
where ``requestPath`` includes the query string for GETs and ``body`` is the exact JSON
text sent ("" when none). The timestamp comes from an injected clock plus the offset
measured against ``/api/v5/public/time``, so tests pin it with ``task.Clock`` and a
drifting host clock can be corrected without touching the system time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone

import attrs
from twisted.internet.interfaces import IReactorTime


def _stripped(text: str) -> str:
    return text.strip()


@attrs.frozen
class Credentials:
    """One OKX API key. ``repr`` hides the secret parts so they can't leak into logs."""

    #: surrounding whitespace stripped: OKX strips it from the headers, so ``SECRET, PASS`` is
    #: the same credential as ``SECRET,PASS`` — one budget, one stream, one ledger namespace
    api_key: str = attrs.field(converter=_stripped)
    secret: str = attrs.field(repr=False, converter=_stripped)
    passphrase: str = attrs.field(repr=False, converter=_stripped)
    simulated: bool = False

    @property
    def identity(self) -> str:
        """Who this credential is, without what it knows: the full SHA-256 (64 hex digits)
        over length-prefixed key, secret, passphrase and demo flag. Every tenant is kept apart
        by it — budgets and queues, the order ledger, accounts, private streams, refusals — so a
        caller sending the owner's access key with a wrong secret shares nothing with the owner,
        and no two credentials meet by a short hash's collision (a 64-bit one is within reach of
        a determined caller: about 2³² tries for some pair). Stored, never shown:
        :attr:`fingerprint` is what logs and pages name."""
        fields = (self.api_key, self.secret, self.passphrase, "demo" if self.simulated else "live")
        text = "".join(f"{len(f.encode())}:{f}" for f in fields)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def fingerprint(self) -> str:
        """The credential as logs, ``/status.json`` and errors name it: the first 16 hex
        digits of :attr:`identity` (a short prefix, to recognise; nothing is keyed by it)."""
        return shown(self.identity)

    @property
    def legacy_fingerprint(self) -> str:
        """What the order ledger was keyed by before :attr:`identity` (16 hex digits of a
        NUL-joined hash): a repeat of a nonce claimed before the upgrade finds its claim under
        it and moves it (:meth:`okxbridge.desk.store.LedgerStore.claim`'s ``legacy``). Claims
        live 8 days, so 8 days after an upgrade no row is keyed by it any more."""
        text = "\0".join((self.api_key, self.secret, self.passphrase, "demo" if self.simulated else "live"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def short_key(self) -> str:
        """The access key as logs may show it: its first 4 characters and the fingerprint."""
        return f"{self.api_key[:4]}…{self.fingerprint[:8]}"


#: hex digits of a credential's :attr:`~Credentials.identity` shown where it is named
SHOWN_DIGITS = 16


def shown(user: str) -> str:
    """A budget owner as ``/status.json`` names it: a credential's identity cut to its
    prefix; an account's ``uid:…`` as it is."""
    return user if user.startswith("uid:") else user[:SHOWN_DIGITS]


def okx_timestamp(seconds: float) -> str:
    """ISO 8601 UTC with milliseconds and a ``Z``, the only form OKX accepts (else 50112)."""
    millis = int(seconds * 1000)
    moment = datetime.fromtimestamp(millis // 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}Z"


def signature(secret: str, prehash: str) -> str:
    digest = hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@attrs.define
class Signer:
    """Builds OKX's auth headers; ``offset`` (seconds, server − local) is kept by time sync."""

    clock: IReactorTime
    offset: float = 0.0

    def now(self) -> float:
        return self.clock.seconds() + self.offset

    def okx_ms(self, local_seconds: float) -> int:
        """A moment of our clock (a call's deadline) on OKX's clock, in ms: ``expTime``."""
        return int((local_seconds + self.offset) * 1000)

    def headers(self, creds: Credentials, verb: str, request_path: str, body: str) -> dict[bytes, list[bytes]]:
        stamp = okx_timestamp(self.now())
        sign = signature(creds.secret, stamp + verb.upper() + request_path + body)
        headers = {
            b"OK-ACCESS-KEY": [creds.api_key.encode()],
            b"OK-ACCESS-SIGN": [sign.encode()],
            b"OK-ACCESS-TIMESTAMP": [stamp.encode()],
            b"OK-ACCESS-PASSPHRASE": [creds.passphrase.encode()],
        }
        if creds.simulated:
            headers[b"x-simulated-trading"] = [b"1"]
        return headers
