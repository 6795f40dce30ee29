"""okxbridge/docker_calls.py: what the docker sends, per method, bounded and with no secret."""

import json
from decimal import Decimal

from twisted.internet.task import Clock
from twisted.logger import formatEvent, globalLogPublisher

from okxbridge.docker_calls import MAX_KEYS, MAX_METHODS, MAX_VALUE_CHARS, OTHER, REDACTED, DockerCalls
from okxbridge.fmz.envelope import Call, SecretKey

SECRET, PASSPHRASE, ACCESS = "the-secret-1234", "the-passphrase", "the-access-key"


def call(method, params, nonce=1730275031047002000):
    return Call(ACCESS, SecretKey(SECRET, PASSPHRASE), method, nonce, params)


def test_first_and_latest_params_count_and_understood_per_method():
    clock = Clock()
    seen = DockerCalls(clock)
    seen.received(call("records", {"symbol": "BTC_USDT", "period": Decimal("60"), "limit": "300"}), True, "")
    clock.advance(5)
    seen.received(call("records", {"symbol": "ETH_USDT", "period": "3600"}), True, "unsupported period 3600min")
    seen.received(call("GetPosition", {}), False, "unknown method 'GetPosition'")
    methods = seen.status()["methods"]
    records = methods["records"]
    assert records["calls"] == 2 and records["understood"] is True
    assert records["first_params"] == {"symbol": "BTC_USDT", "period": 60, "limit": "300"}  # number vs text kept
    assert records["latest_params"] == {"symbol": "ETH_USDT", "period": "3600"}
    assert (records["first_at"], records["latest_at"]) == (0, 5)
    assert records["latest_error"] == "unsupported period 3600min"
    assert methods["GetPosition"]["understood"] is False and methods["GetPosition"]["calls"] == 1


def test_never_a_secret_nor_the_nonce():
    seen = DockerCalls(Clock())
    nonce = 1730275031047002999
    seen.received(call("trade", {"symbol": "BTC_USDT", "nonce": nonce, "secret_key": "x", "passphrase": "y",
                                 "sign": "z", "note": f"has {SECRET} inside", "other": [PASSPHRASE],
                                 "who": ACCESS}, nonce=nonce), True, f"bad {SECRET}")
    text = json.dumps(seen.status())
    for secret in (SECRET, PASSPHRASE, ACCESS, str(nonce)):
        assert secret not in text
    shown = seen.status()["methods"]["trade"]["first_params"]
    assert "nonce" not in shown and shown["symbol"] == "BTC_USDT"
    assert {shown[k] for k in ("secret_key", "passphrase", "sign", "note", "other", "who")} == {REDACTED}
    assert seen.status()["methods"]["trade"]["latest_error"] == REDACTED


def test_memory_stays_bounded_whatever_arrives():
    seen = DockerCalls(Clock())
    for n in range(MAX_METHODS + 50):
        seen.received(call(f"m{n}" + "x" * 500, {f"k{i}": "v" * 10_000 for i in range(200)}), False, "e" * 5000)
    methods = seen.status()["methods"]
    assert len(methods) == MAX_METHODS + 1 and methods[OTHER]["calls"] == 50
    assert all(len(name) <= 60 for name in methods)
    row = next(iter(methods.values()))
    assert len(row["first_params"]) == MAX_KEYS + 1  # and one line saying how many more
    assert all(len(v) <= MAX_VALUE_CHARS + 20 for v in row["first_params"].values())
    assert len(row["latest_error"]) <= 200


def test_the_first_call_of_each_method_is_logged_once_at_info():
    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        seen = DockerCalls(Clock())
        for period in ("60", "1", "5"):
            seen.received(call("records", {"symbol": "BTC_USDT", "period": period}), True, "")
        seen.received(call("positions", {}), True, "")
    finally:
        globalLogPublisher.removeObserver(events.append)
    lines = [formatEvent(e) for e in events if e.get("log_namespace", "").startswith("okxbridge.docker_calls")]
    assert len(lines) == 2 and all(e["log_level"].name == "info" for e in events
                                   if e.get("log_namespace", "").startswith("okxbridge.docker_calls"))
    assert 'first call of records from the docker (understood): params {"symbol": "BTC_USDT", "period": "60"}' \
        in lines[0]
    assert "positions" in lines[1]
