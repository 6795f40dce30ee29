# -*- test-case-name: tests.convert.test_order_options -*-
"""Exchange options inside ``trade``'s ``type``, as FMZ passes them (pure).

FMZ's syntax guide (``fmzquant/skills`` fmz/references/api.en.md, exchange.Buy/Sell) lets a
strategy append the exchange's own order fields to the side: ``"buy;{JSON}"`` or
``"buy;key=value&…"``. The names are OKX's place-order fields
(docs #order-book-trading-trade-post-place-order). Only the fields below are accepted: each
changes how one order executes and none can move money elsewhere or break the one-order-per-
nonce guarantee. ``clOrdId`` (the ledger's key), ``instId``, ``side``, ``sz`` and ``px`` come
from the call itself and are never taken from an option; any other name is refused by name.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from ..fmz.errors import ProtocolError
from .precision import okx_number

MAX_OPTIONS_TEXT = 2000
#: ``ordType`` values a side may name; ``market`` is FMZ's price -1
ORD_TYPES = ("limit", "post_only", "ioc", "fok", "optimal_limit_ioc")
CHOICES = {
    "ordType": ORD_TYPES,
    "tdMode": ("cash", "cross", "isolated"),
    "tgtCcy": ("base_ccy", "quote_ccy"),
    "stpMode": ("cancel_maker", "cancel_taker", "cancel_both"),
}
FLAGS = ("reduceOnly", "banAmend")
ACCEPTED = (*CHOICES, *FLAGS, "attachAlgoOrds")
SET_BY_BRIDGE = {"clOrdId": "the call's nonce", "instId": "symbol", "side": "type", "sz": "amount",
                 "px": "price", "attachAlgoClOrdId": "the call's nonce"}
#: attachAlgoOrds fields accepted (docs place-order, "attachAlgoOrds" array); ``sz`` (split
#: take-profits) and ``amendPxOnTriggerType`` are not offered
ALGO_PRICES = ("tpTriggerPx", "tpOrdPx", "slTriggerPx", "slOrdPx")
ALGO_CHOICES = {"tpTriggerPxType": ("last", "index", "mark"), "slTriggerPxType": ("last", "index", "mark"),
                "tpOrdKind": ("condition", "limit")}
NAME = re.compile(r"^[A-Za-z]{1,40}$")


def split_side(kind: str) -> tuple[str, dict[str, Any]]:
    """``"buy;{…}"`` → ("buy", checked OKX fields); a side without ``;`` has no options."""
    side, sep, rest = kind.partition(";")
    if not sep or not rest.strip():
        return side, {}
    if len(rest) > MAX_OPTIONS_TEXT:
        raise ProtocolError(f"order options are {len(rest)} characters; at most {MAX_OPTIONS_TEXT}")
    return side, check_options(_read(rest.strip()))


def _read(text: str) -> dict[str, Any]:
    if text[0] in "{[":
        try:
            raw = json.loads(text)
        except ValueError as e:
            raise ProtocolError(f"order options are not JSON: {str(e)[:80]}") from None
        if not isinstance(raw, dict):
            raise ProtocolError("order options must be a JSON object")
        return raw
    pairs = parse_qsl(text, keep_blank_values=True)
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ProtocolError(f"order option {key[:40]!r} is given twice")
        found[key] = _json_value(key, value) if key == "attachAlgoOrds" else value
    if not found:
        raise ProtocolError(f"bad order options {text[:40]!r}: use SIDE;{{JSON}} or SIDE;key=value&key=value")
    return found


def _json_value(key: str, value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise ProtocolError(f"order option {key} must be JSON (an array of objects)") from None


def check_options(raw: dict[str, Any]) -> dict[str, Any]:
    """Each option checked and normalised to what OKX accepts; unknown names refused."""
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key)[:40]
        if name in SET_BY_BRIDGE:
            raise ProtocolError(f"order option {name!r} is not accepted: okxbridge sets {name} from "
                                f"{SET_BY_BRIDGE[name]}; nothing was sent")
        if name not in ACCEPTED:
            shown = name if NAME.match(name) else name.encode("unicode_escape").decode()[:40]
            raise ProtocolError(f"order option {shown!r} is not accepted; accepted: {', '.join(ACCEPTED)}; "
                                "nothing was sent")
        if name in CHOICES:
            fields[name] = _choice(name, value, CHOICES[name])
        elif name in FLAGS:
            fields[name] = _flag(name, value)
        else:
            fields[name] = [_algo(item) for item in _algo_list(value)]
    return fields


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ProtocolError(f"order option {name} {str(value)[:20]!r}: use one of {', '.join(allowed)}")
    return value


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ProtocolError(f"order option {name} {str(value)[:20]!r}: use true or false")


def _algo_list(value: Any) -> list[Any]:
    if not isinstance(value, list) or len(value) != 1:
        raise ProtocolError("order option attachAlgoOrds: give an array of one object "
                            "(take-profit and/or stop-loss); split take-profits are not offered")
    return value


def _algo(item: Any) -> dict[str, Any]:
    """One attached TP/SL: known fields only, prices positive (an order price -1 = market),
    each trigger with its order price, at least one of take-profit and stop-loss."""
    if not isinstance(item, dict):
        raise ProtocolError("order option attachAlgoOrds: each entry must be an object")
    algo: dict[str, Any] = {}
    for key, value in item.items():
        name = str(key)[:40]
        if name in ALGO_PRICES:
            algo[name] = _algo_price(name, value)
        elif name in ALGO_CHOICES:
            algo[name] = _choice(f"attachAlgoOrds.{name}", value, ALGO_CHOICES[name])
        else:
            why = "okxbridge sets it from the call's nonce" if name == "attachAlgoClOrdId" else \
                f"accepted: {', '.join((*ALGO_PRICES, *ALGO_CHOICES))}"
            raise ProtocolError(f"attachAlgoOrds field {name!r} is not accepted; {why}; nothing was sent")
    for leg, what in (("tp", "take-profit"), ("sl", "stop-loss")):
        if (f"{leg}TriggerPx" in algo) != (f"{leg}OrdPx" in algo):
            raise ProtocolError(f"attachAlgoOrds: a {what} needs both {leg}TriggerPx and {leg}OrdPx "
                                f"({leg}OrdPx -1 = at market)")
        if f"{leg}OrdPx" in algo and algo[f"{leg}TriggerPx"] == "-1":
            raise ProtocolError(f"attachAlgoOrds: {leg}TriggerPx must be a price")
    if "tpTriggerPx" not in algo and "slTriggerPx" not in algo:
        raise ProtocolError("attachAlgoOrds: give a take-profit (tpTriggerPx, tpOrdPx) or a stop-loss "
                            "(slTriggerPx, slOrdPx)")
    return algo


def _algo_price(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ProtocolError(f"attachAlgoOrds.{name} must be a price")
    try:
        number = Decimal(str(value).strip()[:40])
    except InvalidOperation:
        raise ProtocolError(f"attachAlgoOrds.{name} {str(value)[:20]!r} is not a price") from None
    if number == -1 and name.endswith("OrdPx"):
        return "-1"
    if not number.is_finite() or number <= 0:
        raise ProtocolError(f"attachAlgoOrds.{name} {str(value)[:20]!r} must be positive"
                            + (" (or -1 = at market)" if name.endswith("OrdPx") else ""))
    return okx_number(number)


def attach_ids(fields: dict[str, Any], cl_ord_id: str) -> dict[str, Any]:
    """Each attached TP/SL gets ``attachAlgoClOrdId`` = the order's clOrdId + ``a`` + index,
    so a repeated call names the same algo order (OKX: 1–32 letters and digits)."""
    algos = fields.get("attachAlgoOrds")
    if not algos:
        return fields
    named = [{**algo, "attachAlgoClOrdId": f"{cl_ord_id[:29]}a{i}"} for i, algo in enumerate(algos)]
    return {**fields, "attachAlgoOrds": named}


#: options sent to OKX as given; ordType, tdMode, tgtCcy and reduceOnly shape the body instead
PASSED = ("stpMode", "banAmend", "attachAlgoOrds")


def passed_fields(options: dict[str, Any], cl_ord_id: str) -> dict[str, Any]:
    """The options added to the place-order body unchanged (attached TP/SL given their ids)."""
    return attach_ids({k: v for k, v in options.items() if k in PASSED}, cl_ord_id)


def merged(option: str, param: str, name: str) -> str:
    """A field given both as a call parameter and as a side option must agree."""
    if option and param and option != param:
        raise ProtocolError(f"{name} {param!r} and order option {option!r} disagree; give one")
    return option or param


def check_scope(options: dict[str, Any], spot: bool, market: bool) -> None:
    """Options OKX documents for one kind of order only, refused on any other before anything
    is sent: ``banAmend`` "only applicable to SPOT Market Orders", ``reduceOnly`` to contracts
    here (spot margin is not offered)."""
    if "banAmend" in options and not (spot and market):
        raise ProtocolError("order option banAmend applies to spot market orders (price -1) only; nothing was sent")
    if options.get("reduceOnly") and spot:
        raise ProtocolError("order option reduceOnly applies to swaps and futures; nothing was sent")
