# -*- test-case-name: tests.okx.test_accounts -*-
"""One object per OKX account: what the daemon knows of one credential, in one place.

An :class:`Account` holds the credential's account configuration (its position mode now;
the account mode, UID and permissions are the next facts to live here) and is the way to
its private stream and mirror. Handlers and the order desk ask ``accounts.of(creds)``;
nothing else keeps per-credential state. The registry is bounded: an account not asked for
in a long while is dropped and rebuilt on its next call, costing one ``/account/config``.
"""

from __future__ import annotations

import collections

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from ..convert.intents import NET
from . import paths
from .account_mirror import AccountMirror
from .account_streams import PrivateAccount, PrivateStreams
from .session import Session
from .signer import Credentials

log = Logger()

#: accounts remembered at once (each a few hundred bytes); junk keys cannot grow it further
MAX_ACCOUNTS = 10_000


@attrs.define
class Account:
    """One credential's OKX account (see the module docstring)."""

    creds: Credentials
    clock: IReactorTime
    private: PrivateStreams | None
    position_mode_ttl: float = 60.0
    #: (read at, posMode) from /account/config
    _position_mode: tuple[float, str] | None = None
    _net_mode_noted: bool = False

    async def position_mode(self, session: Session) -> str:
        """``long_short_mode`` or ``net_mode`` from ``/account/config``, cached briefly: it
        decides ``posSide`` on every contract order but changes only when the trader flips it."""
        cached = self._position_mode
        if cached is not None and self.clock.seconds() - cached[0] < self.position_mode_ttl:
            return cached[1]
        reply = await session.get(paths.ACCOUNT_CONFIG)
        mode = reply.data[0].get("posMode", NET) if reply.data else NET
        self._position_mode = (self.clock.seconds(), mode)
        if mode == NET and not self._net_mode_noted:
            self._net_mode_noted = True
            log.info("account {key} is in net mode: buy and sell reduce an opposite position before opening, "
                     "closebuy/closesell are sent reduceOnly, and orders report offset from the position",
                     key=self.creds.short_key)
        return mode

    def mirror(self, part: str, method: str) -> AccountMirror | None:
        """The account's mirror when it may answer ``part`` (balance, positions, orders)
        now; None: ask REST (:mod:`.account_streams`)."""
        if self.private is None:
            return None
        return self.private.mirror_for(self.creds, part, method)

    def answered(self) -> None:
        """OKX answered this credential's call over REST: it works, so its private stream
        may open (never for a credential OKX has not accepted)."""
        if self.private is not None:
            self.private.confirm(self.creds)

    def wrote(self, ord_id: str, final: bool = False) -> None:
        """Read-your-writes: the mirror waits for this order's push before answering orders."""
        if self.private is not None and ord_id:
            self.private.wrote(self.creds, ord_id, final)

    def operations(self) -> PrivateAccount | None:
        """The private stream when it is logged in and can carry order operations."""
        if self.private is None:
            return None
        stream = self.private.account(self.creds)
        return stream if stream is not None and stream.stream.is_ready else None


@attrs.define
class Accounts:
    """The registry of :class:`Account` objects, one per (credential fingerprint, demo)."""

    clock: IReactorTime
    private: PrivateStreams | None = None
    position_mode_ttl: float = 60.0
    _known: collections.OrderedDict[tuple[str, bool], Account] = attrs.Factory(collections.OrderedDict)

    def of(self, creds: Credentials) -> Account:
        key = (creds.identity, creds.simulated)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = Account(creds, self.clock, self.private, self.position_mode_ttl)
            if len(self._known) > MAX_ACCOUNTS:
                self._known.popitem(last=False)
        else:
            self._known.move_to_end(key)
        return found

    def __len__(self) -> int:
        return len(self._known)
