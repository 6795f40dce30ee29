# -*- test-case-name: tests.sim.test_sim_history -*-
"""Reading request parameters the way OKX's gateway does.

Malformed or missing fields are whole-call errors (51000 "Parameter x error",
HTTP 400, or 50014 "can not be empty"); business rules (balance, lot size,
duplicates) are per-order ``sCode`` results decided later by the engine.
"""

import re

import attrs

from okxbridge.sim.attached import extras, flag
from okxbridge.sim.errors import ApiRejection, missing, param_error
from okxbridge.sim.numbers import parse_decimal
from okxbridge.sim.orders import ORDER_TYPES, PAGE_MAX

CL_ORD_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
TAG = re.compile(r"^[A-Za-z0-9]{0,16}$")


@attrs.frozen
class OrderRequest:
    """A validated POST /trade/order body (docs #order-book-trading-trade-post-place-order)."""

    inst_id: str
    td_mode: str
    side: str
    ord_type: str
    sz: object
    px: object = None
    pos_side: str = ""
    cl_ord_id: str = ""
    tag: str = ""
    tgt_ccy: str = ""
    reduce_only: bool = False
    stp_mode: str = ""
    ban_amend: bool = False
    attach_algo_ords: tuple = ()

    def extras(self):
        """The fields the engine copies onto the Order unchanged."""
        return {"stp_mode": self.stp_mode, "ban_amend": self.ban_amend, "attach_algo_ords": self.attach_algo_ords}


def text(params, name, required=False, numeric=False):
    """A string parameter; ``numeric`` also takes a JSON number (clients send ``lever`` as 5)."""
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return ""
    if numeric and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise param_error(name)
    return value


def order_request(params):
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
    if ord_type not in ORDER_TYPES:
        raise param_error("ordType")
    sz = parse_decimal(text(params, "sz", True))
    if sz is None or sz <= 0:
        raise param_error("sz")
    px = None
    if ord_type not in ("market", "optimal_limit_ioc"):  # place-order px: limit-like types only
        px = parse_decimal(text(params, "px", True))
        if px is None or px <= 0:
            raise param_error("px")
    pos_side = text(params, "posSide")
    if pos_side not in ("", "net", "long", "short"):
        raise param_error("posSide")
    cl_ord_id = text(params, "clOrdId")
    if cl_ord_id and not CL_ORD_ID.match(cl_ord_id):
        raise param_error("clOrdId")
    tag = text(params, "tag")
    if not TAG.match(tag):
        raise param_error("tag")
    tgt_ccy = text(params, "tgtCcy")
    if tgt_ccy not in ("", "base_ccy", "quote_ccy"):
        raise param_error("tgtCcy")
    return OrderRequest(
        inst_id=inst_id, td_mode=td_mode, side=side, ord_type=ord_type, sz=sz, px=px,
        pos_side=pos_side, cl_ord_id=cl_ord_id, tag=tag, tgt_ccy=tgt_ccy, reduce_only=flag(params, "reduceOnly"),
        **extras(params),
    )


def cursor(params, name):
    value = params.get(name, "")
    if value == "":
        return None
    if not str(value).isdigit():
        raise param_error(name)
    return int(value)


def limit(params, default=PAGE_MAX, maximum=PAGE_MAX):
    value = params.get("limit", "")
    if value == "":
        return default
    if not str(value).isdigit() or int(value) < 1:
        raise param_error("limit")
    return min(int(value), maximum)
