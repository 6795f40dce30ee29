# -*- test-case-name: tests.sim.test_sim_modes -*-
"""Private account endpoints: balances, config, position mode, leverage, positions."""

import hashlib
from decimal import Decimal

from okxbridge.sim.errors import ApiRejection, param_error
from okxbridge.sim.ledger import account_balance, funding_balances
from okxbridge.sim.matching import set_leverage
from okxbridge.sim.modes import set_account_level
from okxbridge.sim.numbers import ZERO, fmt, parse_decimal
from okxbridge.sim.params import text
from okxbridge.sim.positions import pnl

CURRENCY_NAMES = {"BTC": "Bitcoin", "ETH": "Ethereum", "LTC": "Litecoin", "OKB": "OKB", "USDT": "Tether"}


def _ccy_filter(params):
    wanted = text(params, "ccy")
    return set(wanted.split(",")) if wanted else None


def upls(call, mgn_mode=None):
    """Unrealised pnl per settle currency over the account's open positions (of one margin mode)."""
    totals = {}
    for position in call.state.open_positions():
        if mgn_mode and position.mgn_mode != mgn_mode:
            continue
        mark = call.emu.mark_price(position.inst)
        upl = pnl(position.inst, position.signed, position.avg_px, mark)
        totals[position.inst.settle] = totals.get(position.inst.settle, ZERO) + upl
    return totals


def isolated(call):
    """Per settle currency, (margin, upl) of the isolated positions: OKX books them apart
    from cross (``isoEq``, ``isoUpl`` in docs #trading-account-rest-api-get-balance)."""
    iso_upl = upls(call, "isolated")
    margins = {}
    for position in call.state.open_positions():
        if position.mgn_mode == "isolated":
            ccy = position.inst.settle
            margins[ccy] = margins.get(ccy, ZERO) + position.margin()
    return {ccy: (margins.get(ccy, ZERO), iso_upl.get(ccy, ZERO)) for ccy in set(margins) | set(iso_upl)}


def balance(call):
    rows = account_balance(call.state.ledger, call.emu.usd_price, upls(call), call.now, _ccy_filter(call.params),
                           isolated(call))
    if call.state.acct_lv == "1":
        # docs #trading-account-rest-api-get-balance: availEq is for Futures, Multi-currency
        # and Portfolio margin modes only, "" in Spot mode
        for row in rows:
            for detail in row.get("details", []):
                detail["availEq"] = ""
    return rows


def asset_balances(call):
    return funding_balances(call.state.ledger, _ccy_filter(call.params))


def asset_currencies(call):
    """GET /asset/currencies: one chain per currency, enough for ccxt's load_markets."""
    wanted = _ccy_filter(call.params)
    rows = []
    for ccy, name in CURRENCY_NAMES.items():
        if wanted and ccy not in wanted:
            continue
        rows.append({
            "burningFeeRate": "", "canDep": True, "canInternal": True, "canWd": True, "ccy": ccy,
            "chain": f"{ccy}-{name}" if ccy != "USDT" else "USDT-TRC20", "ctAddr": "",
            "depEstOpenTime": "", "depQuotaFixed": "", "depQuoteDailyLayer2": "", "fee": "0.0001",
            "logoLink": "", "mainNet": True, "maxFee": "0.0002", "maxFeeForCtAddr": "",
            "maxWd": "1000000", "minDep": "0.00005", "minDepArrivalConfirm": "1", "minFee": "0.0001",
            "minFeeForCtAddr": "", "minInternal": "0.0001", "minWd": "0.001",
            "minWdUnlockConfirm": "2", "name": name, "needTag": False, "usedDepQuotaFixed": "",
            "usedWdQuota": "0", "wdQuota": "10000000", "wdTickSz": "8",
        })
    return rows


def config(call):
    state, ips = call.state, ",".join(call.emu.key_ips.get(call.api_key, ()))
    # docs #trading-account-rest-api-get-account-configuration: ``perm`` is the requesting key's
    # comma list (read_only, trade, withdraw), ``ip`` its whitelist ("" when none), ``label`` its name
    return [{
        "acctLv": state.acct_lv, "acctStpMode": "cancel_maker", "autoLoan": False, "ctIsoMode": "automatic",
        "enableSpotBorrow": False, "feeType": "0", "greeksType": "PA", "ip": ips, "kycLv": "2",
        "label": "okxsim", "level": "Lv1", "levelTmp": "", "liquidationGear": "-1",
        "mainUid": _uid(state.api_key), "mgnIsoMode": "automatic", "opAuth": "0",
        "perm": call.emu.key_perm(call.api_key), "posMode": state.pos_mode, "roleType": "0", "settleCcy": "",
        "settleCcyList": [], "spotBorrowAutoRepay": False, "spotOffsetType": "", "spotRoleType": "0",
        "spotTraderInsts": [], "traderInsts": [], "type": "0", "uid": _uid(state.api_key),
    }]


def _uid(api_key):
    """A stable numeric uid per account, named by its first key (Python's hash() is salted
    per process); from the whole key, so keys alike in their first bytes stay apart."""
    return str(int.from_bytes(hashlib.sha256(api_key.encode()).digest()[:6], "big"))


def set_position_mode(call):
    mode = text(call.params, "posMode", True)
    if mode not in ("net_mode", "long_short_mode"):
        raise param_error("posMode")
    state = call.state
    busy = state.open_positions() or any(o.is_open and not o.inst.is_spot for o in state.orders.values())
    if busy and mode != state.pos_mode:
        raise ApiRejection("59000", "Settings failed. Close any open positions or orders before modifying settings.")
    state.pos_mode = mode
    return [{"posMode": mode}]


def set_lever(call):
    params = call.params
    mgn_mode = text(params, "mgnMode", True)
    lever = parse_decimal(text(params, "lever", True, numeric=True))
    inst_id = text(params, "instId")
    if not inst_id:
        raise param_error("instId")
    inst = call.instruments.get(inst_id)
    if inst is None:
        raise ApiRejection("51001", "Instrument ID does not exist")
    pos_side = text(params, "posSide")
    if pos_side and (pos_side not in ("long", "short") or mgn_mode != "isolated"):
        raise param_error("posSide")
    set_leverage(call.emu.engine, call.state, inst, mgn_mode, pos_side, lever, call.now)
    return [{"instId": inst_id, "lever": fmt(lever), "mgnMode": mgn_mode, "posSide": pos_side}]


def leverage_info(call):
    params = call.params
    mgn_mode = text(params, "mgnMode", True)
    if mgn_mode not in ("cross", "isolated"):
        raise param_error("mgnMode")
    state = call.state
    rows = []
    for inst_id in text(params, "instId", True).split(",")[:20]:
        if inst_id not in call.instruments:
            raise ApiRejection("51001", "Instrument ID does not exist")
        if state.pos_mode == "net_mode":
            sides = ["net"]
        else:
            sides = ["long", "short"] if mgn_mode == "isolated" else [""]
        for side in sides:
            lever = state.lever(inst_id, mgn_mode, side)
            rows.append({"ccy": "", "instId": inst_id, "lever": fmt(lever), "mgnMode": mgn_mode, "posSide": side})
    return rows


def positions(call):
    params = call.params
    inst_type = text(params, "instType")
    if inst_type and inst_type not in ("MARGIN", "SWAP", "FUTURES", "OPTION"):
        raise param_error("instType")
    inst_ids = set(text(params, "instId").split(",")) - {""}
    pos_ids = set(text(params, "posId").split(",")) - {""}
    rows = []
    for position in sorted(call.state.open_positions(), key=lambda p: p.pos_id, reverse=True):
        if inst_type and position.inst.inst_type != inst_type:
            continue
        if inst_ids and position.inst.inst_id not in inst_ids:
            continue
        if pos_ids and str(position.pos_id) not in pos_ids:
            continue
        rows.append(position.to_okx(Decimal(call.emu.mark_price(position.inst)), call.now))
    return rows


ROUTES = {
    ("GET", "/api/v5/account/balance"): balance,
    ("GET", "/api/v5/asset/balances"): asset_balances,
    ("GET", "/api/v5/asset/currencies"): asset_currencies,
    ("GET", "/api/v5/account/config"): config,
    ("POST", "/api/v5/account/set-position-mode"): set_position_mode,
    ("POST", "/api/v5/account/set-account-level"): set_account_level,
    ("POST", "/api/v5/account/set-leverage"): set_lever,
    ("GET", "/api/v5/account/leverage-info"): leverage_info,
    ("GET", "/api/v5/account/positions"): positions,
}
