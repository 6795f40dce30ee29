# -*- test-case-name: tests.e2e.test_contract_session, tests.e2e.test_fidelity -*-
"""Which margin mode and position a contract order or a leverage change applies to.

FMZ's docker sends only ``{symbol, type, price, amount}`` for an order, so the bridge
decides the rest from what OKX says the account holds:

- a close (``closebuy``/``closesell``, or a buy/sell that reduces a net-mode position)
  uses the margin mode and ``posSide`` of the position it closes, read from
  ``/account/positions`` just before the order (positions change with every fill, so they
  are not cached; the account's position mode is, see :meth:`okxbridge.okx.accounts.Account.position_mode`);
- an open uses the call's ``marginMode``, else the access key's default from the config
  file, else ``--margin-mode`` (cross unless set).
"""

from __future__ import annotations

from decimal import Decimal

from ..convert.instruments import Instrument
from ..convert.intents import (
    MARGIN_ACCOUNT_MODES,
    MARGIN_MODES,
    NET,
    ContractPlan,
    Held,
    Intent,
    plan_contract_order,
)
from ..fmz.errors import ProtocolError
from ..fmz.params import text_param
from ..okx import paths
from ..okx.session import Session
from .deps import Trading


def asked_margin_mode(params: dict) -> str:
    """The call's ``marginMode`` (or OKX's own name ``tdMode``), checked; "" when not given."""
    mode = text_param(params, "marginMode", required=False) or text_param(params, "tdMode", required=False)
    if mode and mode not in (*MARGIN_MODES, "cash"):
        raise ProtocolError(f"bad marginMode {mode[:20]!r}: use cross or isolated (cash for spot)")
    return mode


def open_margin_mode(deps: Trading, session: Session, asked: str = "") -> str:
    """The margin mode a new position opens in: the call's, the key's default, the daemon's."""
    return asked or deps.defaults.margin_mode_for(session.creds.api_key)


async def held_positions(session: Session, inst: Instrument) -> list[Held]:
    reply = await session.get(paths.POSITIONS, {"instType": inst.inst_type, "instId": inst.inst_id})
    return [Held.from_okx(p) for p in reply.data if p.get("instId") == inst.inst_id]


async def contract_plan(deps: Trading, session: Session, inst: Instrument, intent: Intent, amount: Decimal,
                        asked: str = "") -> tuple[str, ContractPlan]:
    """(position mode, plan) for a contract order. An open in long/short mode needs no
    position read; every close, and every net-mode order, reads the instrument's positions."""
    account = deps.accounts.of(session.creds)
    pos_mode = await account.position_mode(session)
    default = open_margin_mode(deps, session)
    acct_lv = await account.account_mode(session)  # the same cached /account/config read
    if default == "isolated" and acct_lv in MARGIN_ACCOUNT_MODES:
        account.note_unusable_default(default, acct_lv)
    if intent.offset == "open" and pos_mode != NET:
        return pos_mode, plan_contract_order(intent, pos_mode, [], amount, default, asked, inst.inst_id)
    held = await held_positions(session, inst)
    return pos_mode, plan_contract_order(intent, pos_mode, held, amount, default, asked, inst.inst_id)


async def leverage_margin_mode(deps: Trading, session: Session, inst: Instrument, asked: str = "") -> str:
    """The margin mode a ``setmarginlevel`` applies to: the call's; else the one the
    instrument's open positions are in (when they share one); else the opening default."""
    if asked:
        return asked
    modes = {h.mgn_mode for h in await held_positions(session, inst) if h.pos != 0}
    if len(modes) == 1:
        return modes.pop()
    return open_margin_mode(deps, session)
