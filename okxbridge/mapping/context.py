"""What every handler gets: the shared OKX client and caches, and one call's credentials."""

from __future__ import annotations

from typing import Any, Mapping

import attrs
from twisted.internet.interfaces import IReactorTime

from ..fmz.envelope import Call
from ..okx.client import OkxClient
from ..okx.signer import Credentials
from .instruments import InstrumentCache


def credentials(call: Call) -> Credentials:
    key = call.secret_key
    return Credentials(call.access_key, key.secret, key.passphrase, key.simulate)


@attrs.define
class Bridge:
    """Daemon-wide state shared by all calls (no globals): the client and the caches."""

    client: OkxClient
    clock: IReactorTime
    instruments: InstrumentCache

    @classmethod
    def create(cls, client: OkxClient, clock: IReactorTime, instruments_ttl: float = 300.0) -> "Bridge":
        return cls(client, clock, InstrumentCache(clock, instruments_ttl))

    def session(self, call: Call, trace: list[str]) -> "Session":
        return Session(self, credentials(call), trace)


@attrs.define
class Session:
    """One call's view of OKX: signs with the caller's key and records what it asked."""

    bridge: Bridge
    creds: Credentials
    trace: list[str]

    @property
    def client(self) -> OkxClient:
        return self.bridge.client

    def public(self, path: str, params: Mapping[str, Any] | None = None):
        """Public data: unsigned, but a demo key still sends ``x-simulated-trading``."""
        return self.client.get(path, params, self.creds, sign=False, trace=self.trace)

    def get(self, path: str, params: Mapping[str, Any] | None = None):
        return self.client.get(path, params, self.creds, trace=self.trace)

    def post(self, path: str, body: Any):
        return self.client.post(path, body, self.creds, trace=self.trace)
