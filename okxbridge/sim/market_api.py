# -*- test-case-name: tests.sim.test_sim_markets, tests.sim.test_sim_http -*-
"""Public endpoints: /api/v5/market/* and /api/v5/public/* (no auth)."""

from okxbridge.sim import candles as candle_rules
from okxbridge.sim import market_data, prices
from okxbridge.sim.errors import ApiRejection, param_error
from okxbridge.sim.instruments import list_type
from okxbridge.sim.numbers import ms_text
from okxbridge.sim.params import cursor, limit, text

INST_TYPES = ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION")


def _inst(call, kinds=None):
    inst_id = text(call.params, "instId", True)
    inst = call.instruments.get(inst_id)
    if inst is None or (kinds and inst.inst_type not in kinds):
        raise ApiRejection("51001", "Instrument ID does not exist")
    return inst


def _option_family(params, inst_type):
    """``uly``/``instFamily``; OKX requires one of them for options (docs
    #public-data-rest-api-get-instruments: "If instType is OPTION, either uly or instFamily is required")."""
    family = text(params, "instFamily") or text(params, "uly")
    if inst_type == "OPTION" and not family:
        raise ApiRejection("50015", "Either parameter uly or instFamily is required.")
    return family


def public_time(call):
    return [{"ts": ms_text(call.now)}]


def instruments(call):
    inst_type = text(call.params, "instType", True)
    if inst_type not in INST_TYPES:
        raise param_error("instType")
    rows = list_type(call.instruments, "SPOT" if inst_type == "MARGIN" else inst_type)
    inst_id = text(call.params, "instId")
    family = _option_family(call.params, inst_type)
    if inst_id:
        rows = [i for i in rows if i.inst_id == inst_id]
        if not rows:
            raise ApiRejection("51001", "Instrument ID does not exist")
    if family:
        rows = [i for i in rows if i.underlying == family and not i.is_spot]
    # docs (Get instruments) ``state`` "preopen": a crossed book is a pre-open auction (/__sim__/book)
    return [{**i.to_okx(call.demo), **({"state": "preopen"} if i.inst_id in call.walk.crossed else {})}
            for i in rows]


def ticker(call):
    return [market_data.ticker(call.walk, _inst(call), call.now)]


def tickers(call):
    inst_type = text(call.params, "instType", True)
    if inst_type not in INST_TYPES:
        raise param_error("instType")
    family = _option_family(call.params, inst_type)
    rows = [i for i in list_type(call.instruments, inst_type) if not family or i.underlying == family]
    return [market_data.ticker(call.walk, i, call.now) for i in rows]


def books(call):
    inst = _inst(call)
    depth = limit({"limit": call.params.get("sz", "")}, default=1, maximum=400)
    # docs (GET /market/books) answer ``seqId``: the sequence of the ``books`` channel, so a
    # client without the channel's initial snapshot can sync from this one (changelog 2026-02-12)
    return [call.emu.ws.rest_book(inst, call.now, depth)]


def trades(call):
    inst = _inst(call)
    return prices.trades(call.walk, inst, call.now, limit(call.params, default=100, maximum=500))


def _candles(call, history):
    inst = _inst(call)
    bar = call.params.get("bar") or "1m"
    try:
        candle_rules.parse_bar(bar)
    except candle_rules.UnknownBar:
        raise param_error("bar") from None
    return candle_rules.candles(
        call.walk, inst, bar, call.now, after=cursor(call.params, "after"),
        before=cursor(call.params, "before"), limit=limit(call.params, default=100, maximum=300),
        history=history,
    )


def candles(call):
    return _candles(call, history=False)


def history_candles(call):
    return _candles(call, history=True)


def funding_rate(call):
    inst_id = text(call.params, "instId", True)
    if inst_id == "ANY":
        swaps = list_type(call.instruments, "SWAP")
    else:
        swaps = [_inst(call, kinds=("SWAP",))]
    return [market_data.funding_rate(call.walk.seed, inst, call.now) for inst in swaps]


def funding_rate_history(call):
    inst = _inst(call, kinds=("SWAP",))
    return market_data.funding_history(
        call.walk.seed, inst, call.now, after=cursor(call.params, "after"),
        before=cursor(call.params, "before"), limit=limit(call.params, default=400, maximum=400),
    )



ROUTES = {
    ("GET", "/api/v5/public/time"): public_time,
    ("GET", "/api/v5/public/instruments"): instruments,
    ("GET", "/api/v5/market/ticker"): ticker,
    ("GET", "/api/v5/market/tickers"): tickers,
    ("GET", "/api/v5/market/books"): books,
    ("GET", "/api/v5/market/trades"): trades,
    ("GET", "/api/v5/market/candles"): candles,
    ("GET", "/api/v5/market/history-candles"): history_candles,
    ("GET", "/api/v5/public/funding-rate"): funding_rate,
    ("GET", "/api/v5/public/funding-rate-history"): funding_rate_history,
}
