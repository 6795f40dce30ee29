"""The signer, checked against OKX's documented prehash rule computed independently here."""

import base64
import hashlib
import hmac

import pytest
from twisted.internet.task import Clock

from okxbridge.okx.signer import Credentials, Signer, okx_timestamp

CREDS = Credentials("key-1", "secret-1", "pass-1")


def expected_sign(secret, text):
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


@pytest.mark.parametrize("seconds, text", [
    (1607418537.715, "2020-12-08T09:08:57.715Z"),   # OKX docs' example timestamp
    (0, "1970-01-01T00:00:00.000Z"),
    (1730275031.0469, "2024-10-30T07:57:11.046Z"),  # truncated, never rounded into the future
])
def test_timestamp_is_iso_utc_millis(seconds, text):
    assert okx_timestamp(seconds) == text


def test_get_signature_covers_query_string():
    clock = Clock()
    clock.advance(1607418537.715)
    headers = Signer(clock).headers(CREDS, "get", "/api/v5/account/balance?ccy=BTC", "")
    prehash = "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"
    assert headers[b"OK-ACCESS-SIGN"] == [expected_sign("secret-1", prehash).encode()]
    assert headers[b"OK-ACCESS-TIMESTAMP"] == [b"2020-12-08T09:08:57.715Z"]
    assert headers[b"OK-ACCESS-KEY"] == [b"key-1"]
    assert headers[b"OK-ACCESS-PASSPHRASE"] == [b"pass-1"]
    assert b"x-simulated-trading" not in headers


def test_post_signature_covers_body_and_demo_header():
    clock = Clock()
    clock.advance(1700000000.5)
    body = '{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"1","sz":"1"}'
    creds = Credentials("key-1", "secret-1", "pass-1", simulated=True)
    headers = Signer(clock).headers(creds, "POST", "/api/v5/trade/order", body)
    prehash = "2023-11-14T22:13:20.500ZPOST/api/v5/trade/order" + body
    assert headers[b"OK-ACCESS-SIGN"] == [expected_sign("secret-1", prehash).encode()]
    assert headers[b"x-simulated-trading"] == [b"1"]


def test_clock_and_offset_drive_the_timestamp():
    clock = Clock()
    signer = Signer(clock, offset=40.0)
    clock.advance(10)
    assert signer.headers(CREDS, "GET", "/x", "")[b"OK-ACCESS-TIMESTAMP"] == [b"1970-01-01T00:00:50.000Z"]


def test_credentials_repr_hides_secrets():
    text = repr(Credentials("key-1", "very-secret", "my-passphrase"))
    assert "very-secret" not in text and "my-passphrase" not in text and "key-1" in text


def test_fingerprint_tells_credentials_apart_and_hides_the_secret():
    owner = Credentials("key-1", "secret-1", "pass-1")
    assert owner.fingerprint == Credentials("key-1", "secret-1", "pass-1").fingerprint
    others = [Credentials("key-1", "wrong", "pass-1"), Credentials("key-1", "secret-1", "wrong"),
              Credentials("key-2", "secret-1", "pass-1"), Credentials("key-1", "secret-1", "pass-1", True)]
    assert len({owner.fingerprint, *(c.fingerprint for c in others)}) == 5
    assert len(owner.fingerprint) == 16 and "secret" not in owner.fingerprint
    assert owner.short_key.startswith("key-") and "secret-1" not in owner.short_key


def test_identity_is_a_full_sha256_over_length_prefixed_stripped_fields():
    a = Credentials(" key", "SECRET ", "\tPASS")
    assert a == Credentials("key", "SECRET", "PASS") and a.identity == Credentials("key", "SECRET", "PASS").identity
    assert len(a.identity) == 64 and len(a.fingerprint) == 16
    # fields cannot run into each other: ("ab", "c") and ("a", "bc") are two credentials
    assert Credentials("k", "ab", "c").identity != Credentials("k", "a", "bc").identity


def test_the_fingerprint_shown_is_the_identitys_prefix_and_the_legacy_one_keeps_its_old_derivation():
    import hashlib

    creds = Credentials("key-1", "secret-1", "pass-1")
    assert creds.fingerprint == creds.identity[:16]
    # what ledgers were keyed by before identities: the claims of an older daemon are found by it
    assert creds.legacy_fingerprint == hashlib.sha256(b"key-1\0secret-1\0pass-1\0live").hexdigest()[:16]
