"""Placing and cancelling exactly once, on task.Clock with a scripted OKX: an unanswered
write is resolved by reading, and re-sent only when OKX confirms it has no such order."""

import json

from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionLost

from okxbridge.fmz.envelope import Call, SecretKey
from okxbridge.handlers import cancel, order_reads, trade
from okxbridge.handlers.methods import Views
from tests.okx_fake import error, make_client, ok

BTC = {"instType": "SPOT", "instId": "BTC-USDT", "baseCcy": "BTC", "quoteCcy": "USDT", "tickSz": "0.1",
       "lotSz": "0.00000001", "minSz": "0.00001", "state": "live"}
FUTURES_ACCOUNT = {"acctLv": "2", "posMode": "net_mode"}
NONCE = 1730275031047002000
CL = f"fmz{NONCE}"


def call(method, params):
    return Call("key-1", SecretKey("secret", "pass"), method, NONCE, params)


def okx(script):
    """Route by verb+path; each route is a list of answers used in turn."""
    def answer(verb, path, query, headers, body):
        if path == "/api/v5/public/instruments":
            return ok(BTC)
        if path == "/api/v5/account/config" and (verb, path) not in script:
            return ok(FUTURES_ACCOUNT)  # a spot order's tdMode follows the account mode
        return script[(verb, path)].pop(0)
    return answer


def run(answers, handler, params, *, advance=20):
    client, http, clock = make_client(okx(answers), timeout=5)
    bridge = Views.create(client, clock).for_handler(handler)
    results = []
    d = Deferred.fromCoroutine(handler(bridge, call(handler.__name__, params), []))
    d.addBoth(results.append)
    for _ in range(int(advance * 10)):
        clock.advance(0.1)
    return results[0], http, bridge


BUY = {"symbol": "BTC_USDT", "type": "buy", "price": "30000", "amount": "0.01"}
PLACED = ok({"ordId": "42", "clOrdId": CL, "sCode": "0", "sMsg": ""})
FOUND = ok({"ordId": "42", "clOrdId": CL, "instId": "BTC-USDT", "state": "live"})


def test_lost_answer_found_by_client_order_id():
    answers = {("POST", "/api/v5/trade/order"): [ConnectionLost("gone")],
               ("GET", "/api/v5/trade/order"): [FOUND]}
    result, http, _ = run(answers, trade.trade, BUY)
    assert result.data == {"id": "BTC-USDT,42"}
    assert http.paths("/api/v5/trade/order").count("/api/v5/trade/order") == 2  # one POST, one GET
    lookup = [s for s in http.sent if s.verb == "GET" and s.path == "/api/v5/trade/order"][0]
    assert lookup.query == {"instId": "BTC-USDT", "clOrdId": CL}
    post = [s for s in http.sent if s.verb == "POST"][0]
    assert lookup.at - post.at >= 0.5  # OKX gets time to finish before we ask


def test_placed_again_only_when_okx_confirms_absence():
    """Issue 23 item 2: "not found" before the first request's expTime is not conclusive, so
    one more look-up after it (the sequence was POST, GET, POST before expTime existed)."""
    answers = {("POST", "/api/v5/trade/order"): [error(500, "50026", "System error"), PLACED],
               ("GET", "/api/v5/trade/order"): [error(200, "51603", "Order does not exist")] * 2}
    result, http, _ = run(answers, trade.trade, BUY)
    assert result.data == {"id": "BTC-USDT,42"}
    orders = [s for s in http.sent if s.path == "/api/v5/trade/order"]
    assert [s.verb for s in orders] == ["POST", "GET", "GET", "POST"]
    exp_time = int(orders[0].headers.getRawHeaders("expTime")[0]) / 1000
    assert orders[0].at + 5 == exp_time  # the call's deadline (timeout 5) on OKX's clock
    assert orders[2].at > exp_time and orders[3].at > exp_time  # the conclusive look-up, then the re-place


def test_never_a_third_send():
    answers = {("POST", "/api/v5/trade/order"): [ConnectionLost("a"), ConnectionLost("b")],
               ("GET", "/api/v5/trade/order"): [error(200, "51603", "Order does not exist")] * 4}
    result, http, _ = run(answers, trade.trade, BUY)
    assert "could not be placed" in str(result.value)
    assert [s.verb for s in http.sent if s.path == "/api/v5/trade/order"] == ["POST", "GET", "GET", "POST", "GET",
                                                                              "GET"]


def test_lookups_that_keep_failing_end_in_a_clear_uncertain_error():
    answers = {("POST", "/api/v5/trade/order"): [ConnectionLost("gone")],
               ("GET", "/api/v5/trade/order"): [error(503, "50001", "Service unavailable")] * 100}
    result, http, _ = run(answers, trade.trade, BUY, advance=200)
    message = str(result.value)
    assert "outcome for order" in message and "is unknown" in message and "check open orders" in message
    assert [s.verb for s in http.sent if s.path == "/api/v5/trade/order"].count("POST") == 1


def test_business_rejection_is_not_resolved():
    answers = {("POST", "/api/v5/trade/order"): [(200, {"code": "1", "msg": "Operation failed.", "data": [
        {"ordId": "", "clOrdId": CL, "sCode": "51008", "sMsg": "Insufficient balance"}]})]}
    result, http, _ = run(answers, trade.trade, BUY)
    assert str(result.value) == "OKX 51008: Insufficient balance (POST /api/v5/trade/order)"
    assert len([s for s in http.sent if s.path == "/api/v5/trade/order"]) == 1


def test_duplicate_client_id_answers_the_first_order():
    answers = {("POST", "/api/v5/trade/order"): [(200, {"code": "1", "msg": "", "data": [
        {"ordId": "", "clOrdId": CL, "sCode": "51016", "sMsg": "Duplicated client order ID"}]})],
               ("GET", "/api/v5/trade/order"): [FOUND]}
    result, http, _ = run(answers, trade.trade, BUY)
    assert result.data == {"id": "BTC-USDT,42"}


def test_repeated_nonce_served_from_memory():
    answers = {("POST", "/api/v5/trade/order"): [PLACED]}
    client, http, clock = make_client(okx(answers), timeout=5)
    bridge = Views.create(client, clock).trading
    first = Deferred.fromCoroutine(trade.trade(bridge, call("trade", BUY), []))
    second = Deferred.fromCoroutine(trade.trade(bridge, call("trade", BUY), []))
    assert first.result.data == second.result.data == {"id": "BTC-USDT,42"}
    assert len([s for s in http.sent if s.verb == "POST"]) == 1


def test_cancel_with_lost_answer_reads_the_order():
    answers = {("POST", "/api/v5/trade/cancel-order"): [ConnectionLost("gone")],
               ("GET", "/api/v5/trade/order"): [ok({"ordId": "42", "instId": "BTC-USDT", "state": "canceled"})]}
    result, http, _ = run(answers, cancel.cancel, {"id": "BTC-USDT,42"})
    assert result.data is True
    lookup = [s for s in http.sent if s.verb == "GET" and s.path == "/api/v5/trade/order"][0]
    assert lookup.query == {"instId": "BTC-USDT", "ordId": "42"}


def test_cancel_with_lost_answer_and_order_still_live_cancels_again():
    answers = {("POST", "/api/v5/trade/cancel-order"): [ConnectionLost("gone"), ok({"ordId": "42", "sCode": "0"})],
               ("GET", "/api/v5/trade/order"): [ok({"ordId": "42", "instId": "BTC-USDT", "state": "live"})]}
    result, http, _ = run(answers, cancel.cancel, {"id": "BTC-USDT,42"})
    assert result.data is True
    assert [s.verb for s in http.sent] == ["POST", "GET", "POST"]


def test_empty_answers_are_named_not_internal_errors():
    from okxbridge.handlers import market
    result, _, _ = run({("GET", "/api/v5/market/ticker"): [ok()]}, market.ticker, {"symbol": "BTC_USDT"})
    assert str(result.value) == "OKX empty: no ticker for BTC-USDT in OKX's answer"
    result, _, _ = run({("GET", "/api/v5/trade/order"): [ok()]}, order_reads.order, {"id": "BTC-USDT,42"})
    assert str(result.value) == "OKX empty: no order BTC-USDT,42 in OKX's answer"


def refused(code, msg):
    """A single order OKX refused: top code "1", the reason in sCode/sMsg (spec §3 Trade)."""
    return 200, {"code": "1", "msg": "Operation failed.",
                 "data": [{"clOrdId": CL, "ordId": "", "sCode": code, "sMsg": msg, "tag": ""}]}


def sent_td_modes(http):
    return [json.loads(s.body)["tdMode"] for s in http.sent if s.verb == "POST" and s.path == "/api/v5/trade/order"]


def test_an_account_mode_refusal_rereads_the_mode_and_places_once_more():
    answers = {("POST", "/api/v5/trade/order"): [refused("51000", "Parameter tdMode error"), PLACED],
               ("GET", "/api/v5/account/config"): [ok({"acctLv": "3", "posMode": "net_mode"})]}
    result, http, _ = run(answers, trade.trade, BUY)
    assert result.data == {"id": "BTC-USDT,42"}
    assert sent_td_modes(http) == ["cash", "cross"]  # an account not read yet is tried as Futures mode
    assert http.paths("/api/v5/account/config") == ["/api/v5/account/config"]


def test_a_refusal_in_the_mode_as_read_is_the_answer_and_is_not_sent_again():
    answers = {("POST", "/api/v5/trade/order"): [refused("51000", "Parameter tdMode error")],
               ("GET", "/api/v5/account/config"): [ok(FUTURES_ACCOUNT)]}
    result, http, _ = run(answers, trade.trade, BUY)
    assert "51000" in str(result.value)
    assert sent_td_modes(http) == ["cash"]
    assert len(http.paths("/api/v5/account/config")) == 1


def test_other_51000_refusals_are_not_read_as_a_mode_change():
    answers = {("POST", "/api/v5/trade/order"): [refused("51000", "Parameter px error")],
               ("GET", "/api/v5/account/config"): [ok(FUTURES_ACCOUNT)]}
    result, http, _ = run(answers, trade.trade, BUY)
    assert "px" in str(result.value)
    assert sent_td_modes(http) == ["cash"]
    assert http.paths("/api/v5/account/config") == []


def test_side_options_reach_the_body_and_their_order_does_not_change_the_claim():
    """The claim's content holds the options as a sorted JSON text: the same options in
    another order are the same order (answered from the ledger, one POST), other options not."""
    answers = {("POST", "/api/v5/trade/order"): [PLACED]}
    client, http, clock = make_client(okx(answers), timeout=5)
    bridge = Views.create(client, clock).trading
    one = {**BUY, "type": 'buy;{"ordType":"post_only","stpMode":"cancel_both"}'}
    two = {**BUY, "type": "buy;stpMode=cancel_both&ordType=post_only"}
    first = Deferred.fromCoroutine(trade.trade(bridge, call("trade", one), []))
    second = Deferred.fromCoroutine(trade.trade(bridge, call("trade", two), []))
    assert first.result.data == second.result.data == {"id": "BTC-USDT,42"}
    posts = [s for s in http.sent if s.verb == "POST"]
    assert len(posts) == 1
    body = json.loads(posts[0].body)
    assert body["ordType"] == "post_only" and body["stpMode"] == "cancel_both" and body["clOrdId"] == CL
    other = Deferred.fromCoroutine(trade.trade(bridge, call("trade", {**BUY, "type": "buy;ordType=ioc"}), []))
    other.addErrback(lambda f: f.value)
    assert "another order" in str(other.result)
