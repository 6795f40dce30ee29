"""okxsim's algo-order endpoints: answers, OKX's parameter codes, lists with their paging and
windows, rate limits; over a real socket where the envelope matters."""

from decimal import Decimal

import pytest
import pytest_twisted
import treq
from twisted.internet import task

from okxbridge.sim import DEFAULT_ACCOUNT, algo_api
from okxbridge.sim.errors import ApiRejection
from okxbridge.sim.limits import EndpointLimits
from okxbridge.sim.testing import start_emulator
from okxbridge.sim.ws_account import AccountCall
from tests.sim.simsupport import call, clocked_emulator

ALGO = "/api/v5/trade/order-algo"
PENDING = "/api/v5/trade/orders-algo-pending"
HISTORY = "/api/v5/trade/orders-algo-history"


def handler(emu, fn, params=None, body=None):
    return fn(AccountCall(emu=emu, state=emu.state(DEFAULT_ACCOUNT.api_key), now=emu.now(),
                          instruments=emu.instruments(), params=params or {}, body=body))


def stop_below(emu, inst_id="BTC-USDT", **extra):
    low = (emu.price(inst_id) * Decimal("0.5")).quantize(Decimal("0.1"))
    return {"instId": inst_id, "tdMode": "cash", "side": "sell", "ordType": "conditional", "sz": "0.01",
            "slTriggerPx": str(low), "slOrdPx": "-1", **extra}


@pytest_twisted.ensureDeferred
async def test_place_look_up_list_fire_and_find_in_history_over_http(reactor):
    running = await start_emulator(reactor, seed=3)
    url, emu = running.url, running.emulator
    try:
        last = emu.price("BTC-USDT")
        body = stop_below(emu, algoClOrdId="mine1", tag="t1")
        status, placed = await call(url, "POST", ALGO, body)
        item = placed["data"][0]
        assert (status, placed["code"], set(placed)) == (200, "0", {"code", "data", "msg"})  # no inTime here
        assert set(item) == {"algoId", "algoClOrdId", "clOrdId", "sCode", "sMsg", "tag"}
        assert (item["sCode"], item["algoClOrdId"], item["tag"]) == ("0", "mine1", "t1")
        _, by_cl = await call(url, "GET", f"{ALGO}?algoClOrdId=mine1")
        _, by_id = await call(url, "GET", f"{ALGO}?algoId={item['algoId']}")
        assert by_cl["data"] == by_id["data"] and by_id["data"][0]["state"] == "live"
        assert by_id["data"][0]["last"] and by_id["data"][0]["posSide"] == "net"
        _, pending = await call(url, "GET", f"{PENDING}?ordType=conditional,oco&instId=BTC-USDT")
        assert [row["algoId"] for row in pending["data"]] == [item["algoId"]]
        _, none = await call(url, "GET", f"{PENDING}?ordType=trigger")
        assert none["data"] == []
        moved = {"instId": "BTC-USDT", "price": str(last * Decimal("0.4"))}
        response = await treq.post(url + "/__sim__/price", json=moved)
        assert (await response.json())["ok"]
        _, pending = await call(url, "GET", f"{PENDING}?ordType=conditional")
        _, history = await call(url, "GET", f"{HISTORY}?ordType=conditional&state=effective")
        assert pending["data"] == [] and [row["algoId"] for row in history["data"]] == [item["algoId"]]
        row = history["data"][0]
        assert (row["actualSide"], row["actualSz"]) == ("sl", "0.01") and row["ordId"]
        _, order = await call(url, "GET", f"/api/v5/trade/order?instId=BTC-USDT&ordId={row['ordId']}")
        assert (order["data"][0]["state"], order["data"][0]["algoId"]) == ("filled", item["algoId"])
        response = await treq.get(url + "/__sim__/algos")
        rows = (await response.json())["algos"]
        assert [(r["algoId"], r["state"], r["apiKey"], r["demo"]) for r in rows] == [
            (item["algoId"], "effective", DEFAULT_ACCOUNT.api_key, False)]
    finally:
        await running.stop()


@pytest.mark.parametrize("path, status, code", [
    (PENDING, 400, "50014"),                                    # ordType is required
    (PENDING + "?ordType=trigger,oco", 400, "51000"),           # only conditional and oco go together
    (PENDING + "?ordType=conditional&instType=OPTION", 400, "51000"),
    (HISTORY + "?ordType=oco", 400, "50015"),                   # state or algoId
    (HISTORY + "?ordType=oco&state=effective&algoId=1", 200, "50024"),  # not both
    (HISTORY + "?ordType=oco&state=live", 400, "51000"),
    (ALGO, 400, "50015"),                                       # algoId or algoClOrdId
    (ALGO + "?algoId=1", 200, "51603"),
])
@pytest_twisted.ensureDeferred
async def test_list_and_lookup_parameter_errors(reactor, path, status, code):
    running = await start_emulator(reactor, seed=3)
    try:
        got, body = await call(running.url, "GET", path)
        assert (got, body["code"]) == (status, code)
    finally:
        await running.stop()


@pytest.mark.parametrize("change, code", [
    ({"sz": None}, "50015"),                                      # sz or closeFraction
    ({"closeFraction": "1"}, "50024"),                            # not both
    ({"slOrdPx": None}, "50014"),                                 # a trigger needs its order price
    ({"slTriggerPx": "-5"}, "51000"),
    ({"slTriggerPx": "1e400"}, "51000"),                          # finite, but no price of OKX's
    ({"sz": "1e30"}, "51000"),
    ({"ordType": "twap"}, "51000"),                               # not modelled
    ({"ordType": "oco"}, "50014"),                                # an OCO has both legs
    ({"algoClOrdId": "not-alphanumeric"}, "51000"),
])
def test_malformed_place_requests_are_whole_call_errors(change, code):
    emu, _ = clocked_emulator()
    body = {k: v for k, v in {**stop_below(emu), **change}.items() if v is not None}
    with pytest.raises(ApiRejection) as refused:
        handler(emu, algo_api.place_algo, params=body)
    assert refused.value.code == code and not emu.state(DEFAULT_ACCOUNT.api_key).algos


def test_a_business_refusal_is_an_item_with_top_code_1():
    emu, _ = clocked_emulator()
    high = str((emu.price("BTC-USDT") * 2).quantize(Decimal("0.1")))  # a sell SL above the price
    result = handler(emu, algo_api.place_algo, params=stop_below(emu, slTriggerPx=high))
    assert result.code == ("1", "Operation failed.") and result.items[0]["sCode"] == "51280"


def test_cancel_algos_answers_each_item_and_at_most_ten():
    emu, _ = clocked_emulator()
    first = handler(emu, algo_api.place_algo, params=stop_below(emu)).items[0]["algoId"]
    second = handler(emu, algo_api.place_algo, params=stop_below(emu, algoClOrdId="byname")).items[0]
    result = handler(emu, algo_api.cancel_algos, body=[
        {"instId": "BTC-USDT", "algoId": first}, {"instId": "BTC-USDT", "algoClOrdId": "byname"},
        {"instId": "ETH-USDT", "algoId": first}, {"instId": "BTC-USDT", "algoId": "1"}])
    assert [item["sCode"] for item in result.items] == ["0", "0", "51400", "51400"]
    assert result.items[1]["algoId"] == second["algoId"] and result.code[0] == "2"
    with pytest.raises(ApiRejection) as refused:
        handler(emu, algo_api.cancel_algos, body=[{"instId": "BTC-USDT", "algoId": first}] * 11)
    assert refused.value.code == "51406"


def test_lists_page_newest_first_by_algo_id_and_history_keeps_three_months():
    emu, clock = clocked_emulator()
    ids = [int(handler(emu, algo_api.place_algo, params=stop_below(emu)).items[0]["algoId"]) for _ in range(5)]
    page = handler(emu, algo_api.orders_algo_pending, params={"ordType": "conditional", "limit": "2"})
    assert [int(r["algoId"]) for r in page] == ids[:2:-1][:2] == [ids[4], ids[3]]
    older = handler(emu, algo_api.orders_algo_pending, params={"ordType": "conditional", "after": str(ids[3])})
    newer = handler(emu, algo_api.orders_algo_pending, params={"ordType": "conditional", "before": str(ids[1])})
    assert [int(r["algoId"]) for r in older] == [ids[2], ids[1], ids[0]]
    assert [int(r["algoId"]) for r in newer] == [ids[4], ids[3], ids[2]]
    handler(emu, algo_api.cancel_algos, body=[{"instId": "BTC-USDT", "algoId": str(ids[0])}])
    found = handler(emu, algo_api.orders_algo_history, params={"ordType": "conditional", "algoId": str(ids[0])})
    assert [r["state"] for r in found] == ["canceled"]
    clock.advance(93 * 86400)
    assert handler(emu, algo_api.orders_algo_history, params={"ordType": "conditional", "state": "canceled"}) == []


@pytest.mark.parametrize("method, path, scope_params, budget", [
    ("POST", ALGO, {"instId": "BTC-USDT"}, 20),
    ("POST", "/api/v5/trade/amend-algos", {"instId": "BTC-USDT"}, 20),
    ("GET", PENDING, {}, 20),
    ("GET", HISTORY, {}, 20),
    ("GET", ALGO, {}, 20),
])
def test_algo_endpoints_have_okx_budgets_per_two_seconds(method, path, scope_params, budget):
    clock = task.Clock()
    limits = EndpointLimits(clock)
    assert all(limits.allow(method, path, "ip", "user", scope_params) for _ in range(budget))
    assert not limits.allow(method, path, "ip", "user", scope_params)
    if scope_params:  # per instrument: another instId has its own budget
        assert limits.allow(method, path, "ip", "user", {"instId": "ETH-USDT"})
    clock.advance(2)
    assert limits.allow(method, path, "ip", "user", scope_params)


def test_cancel_algos_counts_each_item_against_twenty_per_two_seconds():
    limits = EndpointLimits(task.Clock())
    path = "/api/v5/trade/cancel-algos"
    assert limits.allow("POST", path, "ip", "user", {}, ["BTC-USDT"] * 10)
    assert limits.allow("POST", path, "ip", "user", {}, ["BTC-USDT"] * 10)
    assert not limits.allow("POST", path, "ip", "user", {}, ["BTC-USDT"])
