# -*- test-case-name: tests.e2e.test_spot_session, tests.e2e.test_private -*-
"""Balances: OKX's trading account (and funding account) → FMZ's Account/Asset rows."""

from __future__ import annotations

from ..convert.balances import (
    balances_from_funding,
    balances_from_trading,
    merge_balances,
)
from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..okx import paths
from ..okx.account_mirror import mirrored
from .deps import Reading, gather


async def accounts(deps: Reading, call: Call, trace: list[str]) -> Answer:
    session = deps.session(call, trace)
    account = deps.accounts.of(session.creds)
    mirror = account.mirror("balance", "accounts")
    if mirror is not None:
        balance = mirror.balance()
        return Answer(balances_from_trading(balance), mirrored([balance]))
    reply = await session.get(paths.BALANCE)
    account.answered(session)  # and its UID learnt, once
    rows = balances_from_trading(reply.data[0]) if reply.data else []
    return Answer(rows, reply.raw)


async def assets(deps: Reading, call: Call, trace: list[str]) -> Answer:
    """Trading and funding accounts together, one row per currency."""
    session = deps.session(call, trace)
    account = deps.accounts.of(session.creds)
    mirror = account.mirror("balance", "assets")
    if mirror is not None:  # the funding account is not on the stream: REST
        balance = mirror.balance()
        funding = await session.get(paths.FUNDING_BALANCES)
        rows = merge_balances(balances_from_trading(balance), balances_from_funding(funding.data))
        return Answer(rows, [mirrored([balance]), funding.raw])
    trading, funding = await gather(session.get(paths.BALANCE), session.get(paths.FUNDING_BALANCES))
    account.answered(session)  # and its UID learnt, once
    rows = merge_balances(balances_from_trading(trading.data[0]) if trading.data else [],
                          balances_from_funding(funding.data))
    return Answer(rows, [trading.raw, funding.raw])
