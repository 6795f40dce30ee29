"""Parsing the docker's request body."""

import json
import re
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


@pytest.mark.parametrize("nonce, parsed", [
    (b"0", 0), (b"1730275031047002000", 1730275031047002000), (b"18446744073709551615", 2**64 - 1),
    (b'"17"', 17), (b'"18446744073709551615"', 2**64 - 1),
])
def test_nonces_within_64_bits(nonce, parsed):
    assert parse_call(b'{"access_key":"a","secret_key":"s,p","method":"m","nonce":%s}' % nonce).nonce == parsed


@pytest.mark.parametrize("nonce, message", [
    (b"1e600000", "number 1e600000 is out of range (exponent beyond ±308)"),
    (b"1e18", "within 64 bits, got the number 1E+18"),
    (b"1.0", "within 64 bits, got the number 1.0"),
    (b"-1", "non-negative integer"),
    (b"18446744073709551616", "integers must fit in 64 bits"),
    (b'"18446744073709551616"', "within 64 bits"),
    (b'"\xd9\xa1"', "within 64 bits"),  # an Arabic-Indic digit: isdigit() but not a nonce
    (b"NaN", "NaN is not a JSON number"),
    (b"-Infinity", "-Infinity is not a JSON number"),
    (b"1" * 100_000, "number 111111111111…11111111 (100000 characters) is out of range"),
])
def test_bad_nonces_get_one_line_errors(nonce, message):
    with pytest.raises(ProtocolError, match=re.escape(message)) as e:
        parse_call(b'{"access_key":"a","secret_key":"s,p","method":"m","nonce":%s}' % nonce)
    assert "\n" not in str(e.value) and len(str(e.value)) < 200


@pytest.mark.parametrize("number, message", [
    (b"1e309", "out of range (exponent beyond ±308)"),
    (b"1e-309", "out of range (exponent beyond ±308)"),
    (b"0." + b"1" * 70, "too long (at most 64 characters)"),
    (b"-9223372036854775809", "integers must fit in 64 bits"),
])
def test_numbers_anywhere_in_params_are_bounded(number, message):
    body = b'{"access_key":"a","secret_key":"s,p","method":"m","nonce":1,"params":{"a":[{"b":%s}]}}' % number
    with pytest.raises(ProtocolError, match=re.escape(message)):
        parse_call(body)


def test_numbers_in_range_keep_their_value():
    body = b'{"access_key":"a","secret_key":"s,p","method":"m","nonce":1,"params":{"a":[1e308,-1e-308,0e999999,' \
           b'-9223372036854775808,0.00000001]}}'
    assert parse_call(body).params["a"] == [Decimal("1e308"), Decimal("-1e-308"), Decimal(0), -(2**63),
                                            Decimal("0.00000001")]


@pytest.mark.parametrize("text, error", [
    ("s\u0000,p", "field 'secret_key': the secret holds a control character (U+0000)"),
    ("s,p\u202e", "field 'secret_key': the passphrase holds a control character (U+202E)"),
    ("s" * 129 + ",p", "field 'secret_key': the secret is 129 characters long; OKX's are at most 128"),
    ("s," + "p" * 65, "field 'secret_key': the passphrase is 65 characters long"),
])
def test_a_control_character_or_an_overlong_secret_is_refused_naming_the_part(text, error):
    from okxbridge.fmz.envelope import parse_secret_key
    with pytest.raises(ProtocolError, match=re.escape(error)):
        parse_secret_key(text)


def test_whitespace_around_each_part_of_the_secret_key_is_dropped():
    from okxbridge.fmz.envelope import parse_secret_key
    assert parse_secret_key(" SECRET , PASS , simulate ") == parse_secret_key("SECRET,PASS,simulate")
