"""okxbridge/convert/order_options.py: OKX options inside trade's type, as FMZ passes them."""

import json

import pytest

from okxbridge.convert.order_options import attach_ids, check_scope, merged, passed_fields, split_side
from okxbridge.fmz.errors import ProtocolError

SL = {"slTriggerPx": "25000", "slOrdPx": "-1"}


@pytest.mark.parametrize("kind, side, options", [
    ("buy", "buy", {}),
    ("buy;", "buy", {}),
    ('buy;{"ordType":"post_only"}', "buy", {"ordType": "post_only"}),
    ("sell;ordType=ioc", "sell", {"ordType": "ioc"}),
    ("closebuy;reduceOnly=true&stpMode=cancel_both", "closebuy", {"reduceOnly": True, "stpMode": "cancel_both"}),
    ('buy;{"reduceOnly":false,"banAmend":"true"}', "buy", {"reduceOnly": False, "banAmend": True}),
    ('buy;{"tdMode":"isolated","tgtCcy":"base_ccy"}', "buy", {"tdMode": "isolated", "tgtCcy": "base_ccy"}),
    ('buy;{"ordType":"fok"}', "buy", {"ordType": "fok"}),
    ("sell;ordType=optimal_limit_ioc", "sell", {"ordType": "optimal_limit_ioc"}),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":25000,"slOrdPx":-1}]}', "buy", {"attachAlgoOrds": [SL]}),
    ('buy;{"attachAlgoOrds":[{"tpTriggerPx":"40000.50","tpOrdPx":"40000","tpTriggerPxType":"mark",'
     '"tpOrdKind":"limit"}]}', "buy",
     {"attachAlgoOrds": [{"tpTriggerPx": "40000.5", "tpOrdPx": "40000", "tpTriggerPxType": "mark",
                          "tpOrdKind": "limit"}]}),
    ("buy;attachAlgoOrds=" + json.dumps([SL]), "buy", {"attachAlgoOrds": [SL]}),
])
def test_options_are_read_and_normalised(kind, side, options):
    assert split_side(kind) == (side, options)


@pytest.mark.parametrize("kind, words", [
    ('buy;{"clOrdId":"x"}', "'clOrdId' is not accepted: okxbridge sets clOrdId"),
    ("buy;instId=ETH-USDT", "'instId' is not accepted"),
    ('buy;{"side":"sell"}', "'side' is not accepted"),
    ('buy;{"sz":"100"}', "'sz' is not accepted"),
    ('buy;{"px":"1"}', "'px' is not accepted"),
    ('buy;{"posSide":"short"}', "'posSide' is not accepted; accepted: ordType"),
    ('buy;{"tag":"x"}', "'tag' is not accepted"),
    ('buy;{"ccy":"USDT"}', "'ccy' is not accepted"),
    ('buy;{"ordType":"market"}', "ordType 'market': use one of limit, post_only"),
    ('buy;{"ordType":"mmp"}', "ordType 'mmp'"),
    ('buy;{"reduceOnly":"yes"}', "reduceOnly 'yes': use true or false"),
    ('buy;{"tdMode":"cash2"}', "tdMode 'cash2'"),
    ('buy;{"stpMode":"none"}', "stpMode 'none'"),
    ('buy;{"tgtCcy":1}', "tgtCcy '1'"),
    ("buy;{nope", "not JSON"),
    ("buy;[1]", "must be a JSON object"),
    ('buy;["ordType"]', "must be a JSON object"),
    ("buy;&&", "bad order options"),
    ("buy;ordType=ioc&ordType=fok", "given twice"),
    ("buy;noequals", "'noequals' is not accepted"),
    ('buy;{"attachAlgoOrds":{"slTriggerPx":"1","slOrdPx":"-1"}}', "array of one object"),
    ('buy;{"attachAlgoOrds":[]}', "array of one object"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":"1","slOrdPx":"-1"},{"tpTriggerPx":"2","tpOrdPx":"-1"}]}', "array of one"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":"1"}]}', "needs both slTriggerPx and slOrdPx"),
    ('buy;{"attachAlgoOrds":[{"tpOrdPx":"1"}]}', "needs both tpTriggerPx and tpOrdPx"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":"-1","slOrdPx":"-1"}]}', "must be positive"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":"0","slOrdPx":"-1"}]}', "must be positive"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":"1","slOrdPx":"-2"}]}', "must be positive (or -1 = at market)"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":"NaN","slOrdPx":"-1"}]}', "must be positive"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":"abc","slOrdPx":"-1"}]}', "is not a price"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":true,"slOrdPx":"-1"}]}', "must be a price"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":"1","slOrdPx":"-1","slTriggerPxType":"best"}]}', "slTriggerPxType"),
    ('buy;{"attachAlgoOrds":[{"tpTriggerPx":"1","tpOrdPx":"-1","tpOrdKind":"x"}]}', "tpOrdKind"),
    ('buy;{"attachAlgoOrds":[{"slTriggerPx":"1","slOrdPx":"-1","attachAlgoClOrdId":"a"}]}',
     "field 'attachAlgoClOrdId' is not accepted; okxbridge sets it"),
    ('buy;{"attachAlgoOrds":[{"tpTriggerPx":"1","tpOrdPx":"-1","sz":"1"}]}', "field 'sz' is not accepted"),
    ('buy;{"attachAlgoOrds":[{}]}', "give a take-profit"),
    ('buy;{"attachAlgoOrds":["x"]}', "each entry must be an object"),
    ("buy;attachAlgoOrds=notjson", "must be JSON"),
    ("buy;" + "x" * 2001, "at most 2000"),
])
def test_bad_options_are_refused_by_name(kind, words):
    with pytest.raises(ProtocolError) as refused:
        split_side(kind)
    assert words in str(refused.value)


def test_an_unprintable_option_name_is_escaped_and_cut():
    with pytest.raises(ProtocolError) as refused:
        split_side('buy;{"\\u0000' + "y" * 100 + '":1}')
    message = str(refused.value)
    assert "\x00" not in message and len(message) < 300


def test_attached_algo_orders_get_ids_from_the_client_order_id():
    fields = {"attachAlgoOrds": [SL], "stpMode": "cancel_taker", "ordType": "ioc", "reduceOnly": True}
    assert passed_fields(fields, "fmz1700000000000000001") == {
        "stpMode": "cancel_taker", "attachAlgoOrds": [{**SL, "attachAlgoClOrdId": "fmz1700000000000000001a0"}]}
    long_id = "f" * 32
    named = attach_ids({"attachAlgoOrds": [SL]}, long_id)["attachAlgoOrds"][0]["attachAlgoClOrdId"]
    assert len(named) == 31 and named.isalnum()
    assert attach_ids({"banAmend": True}, "x") == {"banAmend": True}


@pytest.mark.parametrize("option, param, result", [("", "", ""), ("ioc", "", "ioc"), ("", "fok", "fok"),
                                                   ("ioc", "ioc", "ioc")])
def test_merged(option, param, result):
    assert merged(option, param, "ordType") == result


def test_merged_refuses_disagreement():
    with pytest.raises(ProtocolError, match="disagree"):
        merged("ioc", "fok", "ordType")


@pytest.mark.parametrize("options, spot, market, words", [
    ({"banAmend": True}, True, False, "banAmend applies to spot market orders"),
    ({"banAmend": False}, False, True, "banAmend applies to spot market orders"),
    ({"reduceOnly": True}, True, True, "reduceOnly applies to swaps and futures"),
])
def test_options_for_one_kind_of_order_are_refused_on_others(options, spot, market, words):
    with pytest.raises(ProtocolError, match=words):
        check_scope(options, spot, market)


@pytest.mark.parametrize("options, spot, market", [
    ({"banAmend": True}, True, True), ({"reduceOnly": False}, True, True), ({"reduceOnly": True}, False, False),
    ({}, True, False)])
def test_options_in_their_scope_pass(options, spot, market):
    check_scope(options, spot, market)
