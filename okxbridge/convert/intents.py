# -*- test-case-name: tests.convert.test_intents -*-
"""What a strategy's ``trade`` call means for OKX, as pure functions.

FMZ says ``buy``/``sell`` (open, or plain spot) and ``closebuy``/``closesell`` (close a
long / close a short). OKX says ``side`` plus, for contracts, ``posSide`` in long/short
mode or ``reduceOnly`` in net mode (docs: #order-book-trading-trade-post-place-order).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from ..convert.instruments import Instrument
from ..fmz.errors import ProtocolError
from .precision import okx_number, round_cost, round_price, round_size

LONG_SHORT = "long_short_mode"
NET = "net_mode"
MARGIN_MODES = ("cross", "isolated")
ORDER_TYPES = ("limit", "post_only", "ioc", "fok")
MARKET_PRICE = -1  # FMZ's price for a market order (or no price at all)
#: OKX account modes (``acctLv`` of /account/config; spec okx-v5.md §9)
SPOT_MODE, FUTURES_MODE, MULTI_MODE, PORTFOLIO_MODE = "1", "2", "3", "4"
ACCOUNT_MODE_NAMES = {SPOT_MODE: "Spot mode", FUTURES_MODE: "Futures mode",
                      MULTI_MODE: "Multi-currency margin mode", PORTFOLIO_MODE: "Portfolio margin mode"}
MARGIN_ACCOUNT_MODES = (MULTI_MODE, PORTFOLIO_MODE)


@attrs.frozen
class Intent:
    side: str    # buy / sell
    offset: str  # open / close ("" for spot)


def parse_intent(kind: str, contract: bool) -> Intent:
    kind = kind.strip().lower()
    if kind in ("buy", "sell"):
        return Intent(kind, "open" if contract else "")
    if kind in ("closebuy", "closesell"):
        if not contract:
            raise ProtocolError(f"type {kind!r} closes a contract position; spot orders are buy or sell")
        return Intent("sell" if kind == "closebuy" else "buy", "close")
    allowed = "buy, sell, closebuy, closesell" if contract else "buy, sell"
    raise ProtocolError(f"bad order type {kind[:20]!r}: use {allowed}")


def account_mode_name(acct_lv: str) -> str:
    return ACCOUNT_MODE_NAMES.get(acct_lv, f"account mode {acct_lv[:4]!r}")


def spot_td_mode(acct_lv: str, asked: str, name: str) -> str:
    """A spot order's ``tdMode`` in this account mode: ``cash`` in Spot and Futures modes,
    ``cross`` in Multi-currency and Portfolio margin, where OKX refuses ``cash`` with 51000
    even on pairs without margin (place-order ``tdMode`` note; ccxt PR #14922). Spot margin
    with borrowing in Futures mode, and isolated spot, are not offered."""
    wanted = "cross" if acct_lv in MARGIN_ACCOUNT_MODES else "cash"
    if asked in ("", "cash", wanted):
        return wanted
    raise ProtocolError(f"spot margin trading is not supported by okxbridge: marginMode {asked} for {name}; in "
                        f"{account_mode_name(acct_lv)} spot orders are sent {wanted} (leave marginMode out); "
                        "nothing was sent")


def check_contract_mode(acct_lv: str, td_mode: str, name: str) -> None:
    """Refuse, before anything is sent, what OKX would refuse for the account mode: no
    contracts in Spot mode (OKX 51010), no isolated margin in Multi-currency or Portfolio
    margin (OKX 50072)."""
    mode = account_mode_name(acct_lv)
    if acct_lv == SPOT_MODE:
        raise ProtocolError(f"{name}: the OKX account is in {mode}, which has no contracts; switch it to Futures, "
                            "Multi-currency margin or Portfolio margin mode on OKX (Trade > Settings > Account mode) "
                            "to trade them; nothing was sent")
    if acct_lv in MARGIN_ACCOUNT_MODES and td_mode == "isolated":
        raise ProtocolError(f"{name}: isolated margin does not exist in {mode} (OKX 50072); trade it cross "
                            "(marginMode cross, or --margin-mode / the key's margin-mode set to cross), or switch "
                            "the account to Futures mode on OKX; nothing was sent")


def fit_reduce_only(fields: dict[str, Any], acct_lv: str) -> dict[str, Any]:
    """``reduceOnly`` is documented "only applicable to Futures mode and Multi-currency
    margin" (place-order); elsewhere the field is left out and the opposite order reduces."""
    if acct_lv in (FUTURES_MODE, MULTI_MODE):
        return fields
    return {k: v for k, v in fields.items() if k != "reduceOnly"}


def position_fields(intent: Intent, pos_mode: str) -> dict[str, Any]:
    """``posSide``/``reduceOnly`` for a contract order in the account's position mode."""
    if pos_mode == LONG_SHORT:
        long_side = (intent.side == "buy") == (intent.offset == "open")
        return {"posSide": "long" if long_side else "short"}
    fields: dict[str, Any] = {"posSide": "net"}
    if intent.offset == "close":
        fields["reduceOnly"] = True
    return fields


@attrs.frozen
class Held:
    """One position OKX reports on an instrument: margin mode, posSide, signed size
    (``pos`` is signed in net mode, positive per side in long/short mode)."""

    mgn_mode: str
    pos_side: str
    pos: Decimal

    @classmethod
    def from_okx(cls, p: dict[str, Any]) -> "Held":
        return cls(p.get("mgnMode", ""), p.get("posSide", "net"), Decimal(p.get("pos") or 0))

    @property
    def direction(self) -> str:
        if self.pos_side in ("long", "short"):
            return self.pos_side
        return "long" if self.pos > 0 else "short"

    def describe(self) -> str:
        return f"{self.direction} {abs(self.pos).normalize():f} {self.mgn_mode}"


@attrs.frozen
class ContractPlan:
    """How a contract order is sent, and what it does: ``offset`` is what FMZ reports."""

    td_mode: str
    fields: dict[str, Any]
    offset: str


def describe_held(held: list[Held]) -> str:
    live = [h.describe() for h in held if h.pos != 0]
    return ", ".join(live) if live else "none"


def plan_contract_order(intent: Intent, pos_mode: str, held: list[Held], amount: Decimal, open_mode: str,
                        asked_mode: str = "", name: str = "") -> ContractPlan:
    """Margin mode, ``posSide`` and ``reduceOnly`` of a contract order.

    A close uses the margin mode (and in long/short mode the ``posSide``) of the position
    it closes, so an isolated position is closed as isolated; ``asked_mode`` (the call's
    ``marginMode``) narrows the choice when both a cross and an isolated position exist,
    else the one in ``open_mode`` is preferred. An open uses ``open_mode``. In net mode OKX
    holds one signed position per margin mode: a buy or sell against it reduces it; when
    the order fits inside that position it is sent ``reduceOnly`` and reported as a close,
    a bigger one flips the position and is reported as an open."""
    held = [h for h in held if h.pos != 0]
    pool = [h for h in held if not asked_mode or h.mgn_mode == asked_mode]
    mode_text = "long/short mode" if pos_mode == LONG_SHORT else "net mode"
    if intent.offset == "close":
        closes = "long" if intent.side == "sell" else "short"
        candidates = [h for h in pool if h.direction == closes]
        if not candidates:
            kind = "closebuy" if closes == "long" else "closesell"
            within = f" {asked_mode}" if asked_mode else ""
            raise ProtocolError(f"{kind} {name}: no{within} {closes} position to close ({mode_text}; "
                                f"positions held: {describe_held(held)}); nothing was sent")
        target = _prefer(candidates, open_mode)
        if pos_mode == LONG_SHORT:
            return ContractPlan(target.mgn_mode, {"posSide": closes}, "close")
        return ContractPlan(target.mgn_mode, {"posSide": "net", "reduceOnly": True}, "close")
    if pos_mode == LONG_SHORT:
        return ContractPlan(asked_mode or open_mode, {"posSide": "long" if intent.side == "buy" else "short"}, "open")
    against = "short" if intent.side == "buy" else "long"
    opposite = [h for h in pool if h.direction == against]
    if opposite:
        target = _prefer(opposite, open_mode)
        if amount <= abs(target.pos):
            return ContractPlan(target.mgn_mode, {"posSide": "net", "reduceOnly": True}, "close")
        return ContractPlan(target.mgn_mode, {"posSide": "net"}, "open")
    return ContractPlan(asked_mode or open_mode, {"posSide": "net"}, "open")


def _prefer(candidates: list[Held], mode: str) -> Held:
    return next((h for h in candidates if h.mgn_mode == mode), candidates[0])


def client_order_id(nonce: int) -> str:
    """OKX wants 1–32 letters/digits; the nonce (ns, unique per call) makes a repeated call
    recognisable as the same order."""
    return f"fmz{nonce}"[:32]


def order_body(inst: Instrument, intent: Intent, price: Decimal | None, amount: Decimal, *,
               cl_ord_id: str, td_mode: str = "", pos_mode: str = NET, ord_type: str = "limit",
               plan: ContractPlan | None = None, tgt_ccy: str = "") -> dict[str, Any]:
    """The place-order body, rounded to the instrument's grid and checked against its
    minimum before anything is sent. ``price`` None or -1 is a market order; a spot
    market buy spends ``amount`` of the quote currency, as FMZ's built-in exchanges do,
    unless ``tgt_ccy`` (a side option) says otherwise. ``plan`` (from
    :func:`plan_contract_order`) decides a contract's tdMode/posSide/reduceOnly."""
    if plan is not None:
        td_mode = plan.td_mode
    spot = inst.inst_type == "SPOT"
    limit = None if price is None or price == MARKET_PRICE else price  # None: a market order
    if limit is not None and limit <= 0:
        # a computed price of 0 is a strategy bug, not a wish to trade at any price
        raise ProtocolError(f"price {price} is not a price: give a positive price, or -1 for a market order")
    if tgt_ccy and not (spot and limit is None):
        raise ProtocolError("order option tgtCcy applies to spot market orders (price -1) only; nothing was sent")
    body: dict[str, Any] = {"instId": inst.inst_id, "tdMode": td_mode or ("cash" if spot else "cross"),
                            "side": intent.side, "clOrdId": cl_ord_id}
    if limit is None:
        body.update(_market_fields(inst, intent, ord_type, tgt_ccy))
        if body.get("tgtCcy") == "quote_ccy":
            body["sz"] = _quote_size(inst, amount)
            return body
    else:
        if ord_type not in ORDER_TYPES:
            raise ProtocolError(f"bad order kind {ord_type[:20]!r}: use one of {', '.join(ORDER_TYPES)}")
        body["ordType"] = ord_type
        rounded = round_price(limit, inst.tick_size, intent.side)
        if rounded <= 0:
            raise ProtocolError(f"price {price} rounds to {rounded} on {inst.inst_id}'s tick size {inst.tick_size}")
        body["px"] = okx_number(rounded)
    size = round_size(amount, inst.lot_size)
    unit = "contracts" if not spot else inst.base
    if size <= 0 or size < inst.min_size:
        raise ProtocolError(f"amount {amount} {unit} is below {inst.inst_id}'s minimum order size "
                            f"{okx_number(inst.min_size)} (lot size {okx_number(inst.lot_size)}); nothing was sent")
    body["sz"] = okx_number(size)
    if not spot:
        body.update(plan.fields if plan is not None else position_fields(intent, pos_mode))
    return body


def _market_fields(inst: Instrument, intent: Intent, ord_type: str, tgt_ccy: str) -> dict[str, Any]:
    """``ordType`` (and a spot order's ``tgtCcy``) of an order without a price: ``market``,
    or OKX's ``optimal_limit_ioc`` ("market order with immediate-or-cancel", futures and
    swaps only, place-order ``ordType``); post-only, IOC and FOK need a price."""
    spot = inst.inst_type == "SPOT"
    if ord_type == "optimal_limit_ioc":
        if spot:
            raise ProtocolError("ordType optimal_limit_ioc is for swaps and futures only; nothing was sent")
        return {"ordType": ord_type}
    if ord_type not in ("limit", "market"):
        raise ProtocolError(f"ordType {ord_type[:20]} needs a price (price -1 is a market order); nothing was sent")
    if not spot:
        return {"ordType": "market"}
    return {"ordType": "market", "tgtCcy": tgt_ccy or ("quote_ccy" if intent.side == "buy" else "base_ccy")}


def _quote_size(inst: Instrument, amount: Decimal) -> str:
    """A spot market order's quote-currency ``sz``, truncated to the tick size."""
    cost = round_cost(amount, inst.tick_size) if amount > 0 else amount
    if cost <= 0:
        raise ProtocolError(f"amount {amount} is not an amount to spend: a market order of {inst.inst_id} "
                            f"in quote currency spends that much {inst.quote} (truncated to its tick size "
                            f"{okx_number(inst.tick_size)}); nothing was sent")
    return okx_number(cost)


def asked_reduce_only(fields: dict[str, Any], acct_lv: str) -> dict[str, Any]:
    """A side's ``reduceOnly`` option on a contract order: OKX documents it for net mode
    ("only applicable to ... FUTURES/SWAP orders in net mode") in Futures and Multi-currency
    margin modes only (place-order ``reduceOnly``); anywhere else it is refused rather than
    dropped, as dropping it could open a position the strategy meant never to open."""
    if fields.get("posSide") != "net":
        raise ProtocolError("order option reduceOnly applies in net mode; in long/short mode closebuy and "
                            "closesell close a position; nothing was sent")
    if acct_lv not in (FUTURES_MODE, MULTI_MODE):
        raise ProtocolError(f"order option reduceOnly is not applicable in {account_mode_name(acct_lv)} (OKX "
                            "documents it for Futures and Multi-currency margin modes); nothing was sent")
    return {"reduceOnly": True}


def amend_body(inst: Instrument, side: str, ord_id: str, req_id: str, price: Decimal | None,
               amount: Decimal | None) -> dict[str, Any]:
    """The amend-order body for FMZ's ModifyOrder: ``price``/``amount`` None or -1 leave that
    value as it is; the others are rounded to the grid as a new order's would be (the price
    towards the passive side of the order's ``side``, the size down) and checked against the
    minimum. ``cxlOnFail`` off: a failed amendment must leave the order standing."""
    body: dict[str, Any] = {"instId": inst.inst_id, "ordId": ord_id, "reqId": req_id, "cxlOnFail": False}
    if price is not None and price != MARKET_PRICE:
        rounded = round_price(price, inst.tick_size, side) if price > 0 else Decimal(0)
        if rounded <= 0:
            raise ProtocolError(f"price {price} is not a price on {inst.inst_id} (tick size "
                                f"{okx_number(inst.tick_size)}): give a positive price, or -1 to keep it")
        body["newPx"] = okx_number(rounded)
    if amount is not None and amount != MARKET_PRICE:
        size = round_size(amount, inst.lot_size) if amount > 0 else Decimal(0)
        if size <= 0 or size < inst.min_size:
            raise ProtocolError(f"amount {amount} is below {inst.inst_id}'s minimum order size "
                                f"{okx_number(inst.min_size)} (lot size {okx_number(inst.lot_size)}); nothing was sent")
        body["newSz"] = okx_number(size)
    if "newPx" not in body and "newSz" not in body:
        raise ProtocolError("nothing to amend: give a new price or amount (-1 keeps it)")
    return body
