"""Parsing the docker's request body."""

import json
from decimal import Decimal

import pytest

from okxbridge.fmz.envelope import parse_call, parse_secret_key
from okxbridge.fmz.errors import ProtocolError

GOOD = {"access_key": "ak", "secret_key": "sk,pp", "method": "ticker", "nonce": 1730275031047002000,
        "params": {"symbol": "ETH_USDT", "price": 1.5}}


def body(**changes):
    b = dict(GOOD, **changes)
    return json.dumps({k: v for k, v in b.items() if v is not ...}).encode()


def test_good_call():
    call = parse_call(body(), "post")
    assert call.access_key == "ak" and call.method == "ticker" and call.nonce == 1730275031047002000
    assert call.secret_key.secret == "sk" and call.secret_key.passphrase == "pp" and not call.secret_key.simulate
    assert call.params["price"] == Decimal("1.5")
    assert call.http_method == "POST" and call.symbol == "ETH_USDT"


@pytest.mark.parametrize("text, secret, passphrase, simulate", [
    ("s,p", "s", "p", False),
    ("s,p,simulate", "s", "p", True),
    ("s,p,SIMULATE", "s", "p", True),
    ("s,pa,ss", "s", "pa,ss", False),
    ("s,pa,ss,simulate", "s", "pa,ss", True),
])
def test_secret_key_forms(text, secret, passphrase, simulate):
    key = parse_secret_key(text)
    assert (key.secret, key.passphrase, key.simulate) == (secret, passphrase, simulate)


@pytest.mark.parametrize("text", ["", "zz9secret", ",zz9", "zz9,", ",simulate"])
def test_bad_secret_key_never_echoes_it(text):
    with pytest.raises(ProtocolError) as e:
        parse_secret_key(text)
    assert "SECRET,PASSPHRASE" in str(e.value)
    assert "zz9" not in str(e.value)


@pytest.mark.parametrize("raw, message", [
    (b"not json", "not valid JSON"),
    (b"", "not valid JSON"),
    (b"[1,2]", "must be a JSON object, got array"),
    (b'"x"', "must be a JSON object, got string"),
    (body(access_key=...), "missing field 'access_key'"),
    (body(secret_key=...), "missing field 'secret_key'"),
    (body(method=...), "missing field 'method'"),
    (body(nonce=...), "missing field 'nonce'"),
    (body(access_key=5), "'access_key' must be a string, got int"),
    (body(method=None), "'method' must be a string, got NoneType"),
    (body(nonce="abc"), "'nonce' must be a non-negative integer"),
    (body(nonce=1.5), "'nonce' must be a non-negative integer"),
    (body(nonce=True), "'nonce' must be a non-negative integer"),
    (body(params=[1]), "'params' must be an object, got array"),
    (body(method=""), "'method' is empty"),
    (body(access_key=" "), "'access_key' is empty"),
    (b"[" * 100000, "not valid JSON"),
])
def test_bad_bodies(raw, message):
    with pytest.raises(ProtocolError, match=message):
        parse_call(raw)


def test_nonce_as_digit_string_and_missing_params():
    call = parse_call(body(nonce="17", params=...))
    assert call.nonce == 17 and call.params == {}
