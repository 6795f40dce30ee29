# -*- test-case-name: tests.convert.test_io_policy -*-
"""Which OKX paths an IO call (``exchange.IO("api", …)``) may reach.

IO signs any ``/api/v5/…`` request with the caller's key, and an FMZ strategy is code that
can be shared, copied or compromised. A trading bridge has no business moving money out
of the account or handing out keys, so by default it refuses the endpoints that do:
withdrawals, transfers between accounts, sub-accounts (which can receive transfers and
carry their own API keys), API-key management, and the broker endpoints that create both.
``--io-allow PREFIX`` opens a path again, ``--io-deny PREFIX`` closes one more.

Prefixes are plain string prefixes of the path (``/api/v5/asset/withdrawal`` also covers
``withdrawal-history``); when several match, the longest decides, so
``--io-allow /api/v5/asset/withdrawal-history`` re-opens the history alone. Paths and prefixes
are compared case-insensitively: the path check accepts ``/api/v5/Asset/withdrawal``, so a
case-sensitive match would let it through.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from ..fmz.errors import ProtocolError

#: paths refused by default; each line says what it would let a strategy do (OKX v5 docs:
#: "Funding account", "Sub-account" and "Broker" sections)
DEFAULT_DENY: tuple[str, ...] = (
    "/api/v5/asset/withdrawal",         # withdraw on chain or to another OKX user (+ lightning, history)
    "/api/v5/asset/cancel-withdrawal",  # cancel a withdrawal
    "/api/v5/asset/transfer",           # funds transfer between accounts (+ transfer-state)
    "/api/v5/asset/subaccount/",        # master ↔ sub-account transfers, sub-account funding balances
    "/api/v5/account/subaccount/",      # sub-account trading balances, max withdrawals, loan allocation
    "/api/v5/users/",                   # create sub-accounts, create/reset/delete their API keys
    "/api/v5/broker/",                  # broker: sub-accounts, their API keys, transfers
    "/api/v5/fiat/create-withdrawal",   # fiat withdrawal to a bank account or card ("Fiat" section)
    "/api/v5/fiat/cancel-withdrawal",   # cancel a fiat withdrawal
    "/api/v5/account/move-positions",   # move positions between master and sub-accounts
    "/api/v5/rfq/",                     # block trades (RFQ) at a price the counterparty chose
)
PATH_PREFIX = "/api/v5/"


def parse_prefixes(text: str) -> tuple[str, ...]:
    """``"/api/v5/a, /api/v5/b"`` → both; each must be an ``/api/v5/`` path prefix."""
    prefixes = tuple(p.strip() for p in text.split(",") if p.strip())
    for prefix in prefixes:
        if not prefix.startswith(PATH_PREFIX):
            raise ValueError(f"{prefix!r} is not an OKX path prefix (must start with {PATH_PREFIX})")
    return prefixes


@attrs.frozen
class IoPolicy:
    """Allowed unless the longest matching prefix is a deny; an allow as long as the deny
    wins, so ``--io-allow /api/v5/users/`` re-opens exactly what the default closed."""

    deny: tuple[str, ...] = DEFAULT_DENY
    allow: tuple[str, ...] = ()

    @classmethod
    def create(cls, allow: Iterable[str] = (), deny: Iterable[str] = ()) -> "IoPolicy":
        return cls(DEFAULT_DENY + tuple(deny), tuple(allow))

    def denied_by(self, path: str) -> str | None:
        """The deny prefix that refuses ``path``, or None when the call may go out."""
        path = path.lower()
        deny = max((p for p in self.deny if path.startswith(p.lower())), key=len, default=None)
        if deny is None:
            return None
        allow = max((p for p in self.allow if path.startswith(p.lower())), key=len, default="")
        return deny if len(deny) > len(allow) else None

    def check(self, path: str) -> None:
        prefix = self.denied_by(path)
        if prefix is not None:
            raise ProtocolError(
                f"IO path {path} refused by okxbridge's IO policy (matches {prefix}): withdrawals, transfers, "
                f"sub-accounts and API keys are off by default; to allow it, start okxbridge with "
                f"--io-allow {path} (or io_allow in its config file)")
