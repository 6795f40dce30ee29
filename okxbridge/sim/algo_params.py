# -*- test-case-name: tests.sim.test_algo_api -*-
"""Reading ``POST /api/v5/trade/order-algo`` the way OKX's gateway does (docs
#order-book-trading-algo-trading-post-place-algo-order, request parameters).

As for plain orders (:mod:`okxbridge.sim.params`), malformed or missing fields are whole-call
errors (51000 "Parameter x error" HTTP 400, 50014 "can not be empty", 50015 "Either parameter
x or y is required", 50024 "Parameter x and y can not exist at the same time"; docs
#error-code-rest-api-public, General Class); business rules (prices against the market,
duplicates, positions) are per-item ``sCode`` results decided by
:mod:`okxbridge.sim.algo_engine`.

Read here:

- ``instId``, ``tdMode`` (cash/cross/isolated), ``side``, ``ordType`` required; okxsim places
  ``conditional`` (one-way TP/SL: one leg or both), ``oco`` (both legs) and ``trigger``; the
  other ordTypes OKX lists (chase, move_order_stop, twap, smart_iceberg) are refused with
  51000 "Parameter ordType error" — not modelled;
- ``sz`` or ``closeFraction`` ("Either sz or closeFraction is required"; the only accepted
  ``closeFraction`` is ``1``, and only for conditional/oco);
- TP/SL legs: ``tpTriggerPx`` with ``tpOrdPx`` ("If you fill in this parameter, you should fill
  in the take-profit order price as well"), likewise ``slTriggerPx``/``slOrdPx``; an order
  price of ``-1`` is a market order; ``tpTriggerPxType``/``slTriggerPxType`` last (default),
  index, mark; ``tpOrdKind`` only ``condition`` (the ``limit`` TP kind is not modelled);
- trigger orders: ``triggerPx`` and ``orderPx`` required, ``triggerPxType``, ``advanceOrdType``
  fok/ioc (which need a limit ``orderPx``; *inferred*); ``attachAlgoOrds`` is not modelled;
- ``algoClOrdId`` 1–32 letters/digits, ``tag`` up to 16, ``tgtCcy``, ``reduceOnly``, ``posSide``.
"""

import re
from decimal import Decimal

import attrs

from okxbridge.sim.algos import MARKET, PLACED_TYPES, Leg
from okxbridge.sim.attached import flag
from okxbridge.sim.errors import ApiRejection, missing, param_error
from okxbridge.sim.numbers import parse_decimal
from okxbridge.sim.params import text

ALGO_CL_ORD_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
TAG = re.compile(r"^[A-Za-z0-9]{0,16}$")
PX_TYPES = ("last", "index", "mark")
#: no price or size of OKX's has more integer digits than this; a bigger one is malformed
#: (and would overflow the decimal context in the grid checks)
MAX_DIGITS = 15


def number(raw):
    """A wire number as Decimal, or None when it is not one okxsim can take (not finite, too big)."""
    value = parse_decimal(raw)
    if value is None or value.adjusted() >= MAX_DIGITS:
        return None
    return value


def either(first, second):
    return ApiRejection("50015", f"Either parameter {first} or {second} is required.")


def not_both(first, second):
    return ApiRejection("50024", f"Parameter {first} and {second} can not exist at the same time.")


@attrs.frozen
class AlgoRequest:
    """A validated place-algo-order body."""

    inst_id: str
    td_mode: str
    side: str
    ord_type: str
    sz: Decimal | None
    close_fraction: str = ""
    pos_side: str = ""
    algo_cl_ord_id: str = ""
    tag: str = ""
    tgt_ccy: str = ""
    reduce_only: bool = False
    tp: Leg | None = None
    sl: Leg | None = None
    trigger: Leg | None = None
    advance_ord_type: str = ""


def price(params, name, market_ok=False):
    """A trigger or order price: positive, or ``-1`` (market) where ``market_ok``."""
    value = number(text(params, name, True, numeric=True))
    if value is None or not (value > 0 or (market_ok and value == MARKET)):
        raise param_error(name)
    return value


def px_type(params, name):
    value = text(params, name) or "last"
    if value not in PX_TYPES:
        raise param_error(name)
    return value


def leg(params, prefix):
    """A TP (``tp``) or SL (``sl``) leg, or None when neither of its prices is given."""
    trigger_name, ord_name = f"{prefix}TriggerPx", f"{prefix}OrdPx"
    given = [params.get(name) not in (None, "") for name in (trigger_name, ord_name)]
    if not any(given):
        return None
    if not all(given):
        raise missing(ord_name if given[0] else trigger_name)
    return Leg(trigger_px=price(params, trigger_name), ord_px=price(params, ord_name, market_ok=True),
               px_type=px_type(params, f"{prefix}TriggerPxType"))


def _size(params, ord_type):
    has_sz, has_fraction = params.get("sz") not in (None, ""), params.get("closeFraction") not in (None, "")
    if has_sz and has_fraction:
        raise not_both("sz", "closeFraction")
    if not has_sz and not has_fraction:
        raise either("sz", "closeFraction")
    if has_fraction:
        if text(params, "closeFraction", numeric=True) != "1" or ord_type not in ("conditional", "oco"):
            raise param_error("closeFraction")
        return None, "1"
    sz = number(text(params, "sz", True, numeric=True))
    if sz is None or sz <= 0:
        raise param_error("sz")
    return sz, ""


def _legs(params, ord_type):
    """(tp, sl, trigger, advanceOrdType) of the order's kind."""
    if ord_type == "trigger":
        if params.get("attachAlgoOrds") not in (None, [], ""):
            raise param_error("attachAlgoOrds")  # not modelled
        advance = text(params, "advanceOrdType")
        if advance not in ("", "fok", "ioc"):
            raise param_error("advanceOrdType")
        trigger = Leg(trigger_px=price(params, "triggerPx"), ord_px=price(params, "orderPx", market_ok=True),
                      px_type=px_type(params, "triggerPxType"))
        if advance and trigger.ord_px == MARKET:
            raise param_error("orderPx")
        return None, None, trigger, advance
    if (text(params, "tpOrdKind") or "condition") != "condition":
        raise param_error("tpOrdKind")  # the limit TP kind is not modelled
    tp, sl = leg(params, "tp"), leg(params, "sl")
    if ord_type == "oco" and (tp is None or sl is None):
        raise missing("tpTriggerPx" if tp is None else "slTriggerPx")
    if tp is None and sl is None:
        raise either("tpTriggerPx", "slTriggerPx")
    return tp, sl, None, ""


def algo_request(params):
    if not isinstance(params, dict):
        raise ApiRejection("50002", "JSON syntax error")
    inst_id = text(params, "instId", True)
    td_mode = text(params, "tdMode", True)
    if td_mode not in ("cash", "cross", "isolated"):
        raise param_error("tdMode")
    side = text(params, "side", True)
    if side not in ("buy", "sell"):
        raise param_error("side")
    ord_type = text(params, "ordType", True)
    if ord_type not in PLACED_TYPES:
        raise param_error("ordType")
    sz, fraction = _size(params, ord_type)
    pos_side = text(params, "posSide")
    if pos_side not in ("", "net", "long", "short"):
        raise param_error("posSide")
    cl_id = text(params, "algoClOrdId")
    if cl_id and not ALGO_CL_ORD_ID.match(cl_id):
        raise param_error("algoClOrdId")
    tag = text(params, "tag")
    if not TAG.match(tag):
        raise param_error("tag")
    tgt_ccy = text(params, "tgtCcy")
    if tgt_ccy not in ("", "base_ccy", "quote_ccy"):
        raise param_error("tgtCcy")
    tp, sl, trigger, advance = _legs(params, ord_type)
    return AlgoRequest(inst_id=inst_id, td_mode=td_mode, side=side, ord_type=ord_type, sz=sz,
                       close_fraction=fraction, pos_side=pos_side, algo_cl_ord_id=cl_id, tag=tag, tgt_ccy=tgt_ccy,
                       reduce_only=flag(params, "reduceOnly"), tp=tp, sl=sl, trigger=trigger,
                       advance_ord_type=advance)
