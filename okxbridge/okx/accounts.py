# -*- test-case-name: tests.okx.test_accounts -*-
"""One object per OKX account: what the daemon knows of one credential, in one place.

An :class:`Account` holds the credential's account configuration (its account mode and
position mode and its UID, which keys its budgets; permissions are the next fact to live here) and is the way to
its private stream and mirror. Handlers and the order desk ask ``accounts.of(creds)``;
nothing else keeps per-credential state. The registry is bounded: an account not asked for
in a long while is dropped and rebuilt on its next call, costing one ``/account/config``.
"""

from __future__ import annotations

import collections

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from ..convert.intents import FUTURES_MODE, NET
from ..convert.key_check import key_findings
from . import paths
from .account_mirror import AccountMirror
from .account_streams import PrivateAccount, PrivateStreams
from .account_uids import AccountUids
from .session import Session
from .signer import Credentials

log = Logger()

#: accounts remembered at once (each a few hundred bytes); junk keys cannot grow it further
MAX_ACCOUNTS = 10_000


@attrs.frozen
class AccountConfig:
    """What ``/account/config`` says of the account: its mode (``acctLv`` 1 Spot,
    2 Futures, 3 Multi-currency margin, 4 Portfolio margin; spec okx-v5.md §9) and its
    position mode. Both decide how every order is sent."""

    acct_lv: str
    pos_mode: str
    #: the account's User ID: OKX's private and order budgets are per UID (:mod:`.account_uids`)
    uid: str = ""


@attrs.define
class Account:
    """One credential's OKX account (see the module docstring)."""

    creds: Credentials
    clock: IReactorTime
    private: PrivateStreams | None
    position_mode_ttl: float = 60.0
    #: where the UID is told, so budgets are the account's (None: not shared)
    uids: AccountUids | None = None
    #: (read at, config) from /account/config
    _config: tuple[float, AccountConfig] | None = None
    _net_mode_noted: bool = False
    _key_checked: bool = False
    _learning: bool = False
    _uid_tried_at: float | None = None
    _default_noted: bool = False

    async def config(self, session: Session) -> AccountConfig:
        """The account and position modes, from one ``/account/config`` read cached briefly:
        they decide ``tdMode``/``posSide`` on every order but change only when the trader
        switches them on OKX's site (a refusal that says so calls :meth:`reread_config`)."""
        cached = self._config
        if cached is not None and self.clock.seconds() - cached[0] < self.position_mode_ttl:
            return cached[1]
        reply = await session.get(paths.ACCOUNT_CONFIG)
        row = reply.data[0] if reply.data else {}
        found = AccountConfig(str(row.get("acctLv") or FUTURES_MODE), row.get("posMode", NET),
                              str(row.get("uid") or ""))
        self._config = (self.clock.seconds(), found)
        if not self._key_checked:
            self._key_checked = True
            self.log_key_check(row, session.client.signer.offset)
        if self.uids is not None:
            self.uids.learned(self.creds.identity, found.uid, self.creds.simulated)
        if found.pos_mode == NET and not self._net_mode_noted:
            self._net_mode_noted = True
            log.info("account {key} is in net mode: buy and sell reduce an opposite position before opening, "
                     "closebuy/closesell are sent reduceOnly, and orders report offset from the position",
                     key=self.creds.short_key)
        return found

    def log_key_check(self, row: dict, offset: float) -> None:
        """The key check (``okxbridge-call check``) of this key's first ``/account/config``, logged
        once: a withdrawal-enabled or trade-less key shows in the log before anything goes wrong."""
        findings = key_findings(row, self.creds.simulated, offset)
        warned = any(f.level in ("warning", "error") for f in findings)
        (log.warn if warned else log.info)("account {key} key check: {findings}", key=self.creds.short_key,
                                           findings="; ".join(f.text for f in findings))
    def learn_uid(self, session: Session) -> None:
        """Read ``/account/config`` once, in the background, when the UID is not known yet: a
        key that trades spot only, or only reads, needs no config, yet its budgets are its
        account's too. Called after a private call OKX answered, never on a public call's path;
        a read that failed is tried again a while later (``position_mode_ttl``), not per call."""
        now = self.clock.seconds()
        if self.uids is None or self._config is not None or self._learning or (
                self._uid_tried_at is not None and now - self._uid_tried_at < self.position_mode_ttl):
            return
        self._learning, self._uid_tried_at = True, now
        learning = Deferred.fromCoroutine(self.config(session))
        learning.addErrback(lambda f: log.debug("account {key}: UID not read ({why}); budgets stay the key's",
                                                key=self.creds.short_key, why=f.getErrorMessage()))
        learning.addBoth(lambda _: setattr(self, "_learning", False))

    async def position_mode(self, session: Session) -> str:
        """``long_short_mode`` or ``net_mode`` (see :meth:`config`)."""
        return (await self.config(session)).pos_mode

    async def account_mode(self, session: Session) -> str:
        """``acctLv``: "1" Spot … "4" Portfolio margin (see :meth:`config`)."""
        return (await self.config(session)).acct_lv

    def last_account_mode(self) -> str | None:
        """The account mode as last read, however long ago; None before the first read. A spot
        order needs nothing else: when the trader has switched since, OKX refuses the order
        before acting (51000 on ``tdMode``) and the bridge reads the mode again then."""
        return self._config[1].acct_lv if self._config is not None else None

    async def reread_config(self, session: Session) -> AccountConfig:
        """Read ``/account/config`` now: OKX answered as if the account mode changed."""
        self._config = None
        return await self.config(session)

    def note_unusable_default(self, margin_mode: str, acct_lv: str) -> None:
        """The key's opening default (``--margin-mode`` / its ``margin_mode``) cannot be used in
        this account mode: told once, so the trader fixes the setting, not each order."""
        if not self._default_noted:
            self._default_noted = True
            log.warn("account {key}: the default margin mode {mode} for new positions cannot be used in "
                     "account mode {acct_lv} (isolated exists only in Futures mode): opens are refused until "
                     "--margin-mode / the key's margin_mode is cross or the call passes marginMode cross",
                     key=self.creds.short_key, mode=margin_mode, acct_lv=acct_lv)

    def mirror(self, part: str, method: str) -> AccountMirror | None:
        """The account's mirror when it may answer ``part`` (balance, positions, orders)
        now; None: ask REST (:mod:`.account_streams`)."""
        if self.private is None:
            return None
        return self.private.mirror_for(self.creds, part, method)

    def answered(self, session: Session | None = None) -> None:
        """OKX answered this credential's call over REST: it works, so its private stream
        may open (never for a credential OKX has not accepted), and with ``session`` its UID
        is learnt if not known yet (:meth:`learn_uid`: one read per credential, not per call),
        so a key that only reads spends its account's budgets too."""
        if self.private is not None:
            self.private.confirm(self.creds)
        if session is not None:
            self.learn_uid(session)

    def wrote(self, ord_id: str, final: bool = False, req_id: str = "") -> None:
        """Read-your-writes: the mirror waits for this order's push before answering orders
        (after an amendment ``req_id``, for the push that carries it)."""
        if self.private is not None and ord_id:
            self.private.wrote(self.creds, ord_id, final, req_id)

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
    uids: AccountUids | None = None
    _known: collections.OrderedDict[tuple[str, bool], Account] = attrs.Factory(collections.OrderedDict)

    def of(self, creds: Credentials) -> Account:
        key = (creds.identity, creds.simulated)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = Account(creds, self.clock, self.private, self.position_mode_ttl,
                                                     self.uids)
            if len(self._known) > MAX_ACCOUNTS:
                self._known.popitem(last=False)
        else:
            self._known.move_to_end(key)
        return found

    def __len__(self) -> int:
        return len(self._known)
