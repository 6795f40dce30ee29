"""``/status.json`` and ``/status`` through real sockets: sections from each part, rate-limit
headroom per credential fingerprint, orders being resolved, never a secret (each part's own
section is tested beside it: tests/test_status.py, tests/okx/test_limits.py, tests/desk/test_resolving.py,
tests/test_health.py)."""

import json
import re
from pathlib import Path

import pytest_twisted
import treq
from twisted.internet.defer import Deferred

from okxbridge import __version__
from okxbridge.status import SCHEMA
from tests.no_secret import SIM_CREDS, assert_no_secret

SECTIONS = ["daemon", "calls", "docker_calls", "okx_requests", "rate_limits", "orders_resolving", "streams",
            "private_streams", "ledger", "redis"]


async def get_json(url):
    response = await treq.get(url, persistent=False)
    text = (await response.content()).decode()
    assert response.code == 200, text
    return response, text, json.loads(text)


STATUS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "status-page.md"


def documented_example() -> str:
    """The ``/status.json`` example in docs/status-page.md (its "/status.json" part)."""
    text = STATUS_PAGE.read_text(encoding="utf-8")
    part = text[text.index("## `/status.json`"):]
    return part[part.index("```\n{") + 4:part.index("\n}\n```")]


def documented_sections() -> list[str]:
    return re.findall(r'^  "(\w+)":', documented_example(), re.M)


def documented_fields(section: str) -> set[str]:
    """Every field name the documented example shows in ``section``, at any depth."""
    example = documented_example()
    start = example.index(f'  "{section}":')
    end = example.find('\n  "', start + 1)
    return set(re.findall(r'"(\w+)":', example[start:end])) - {section}


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


# --- end to end ------------------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_status_json_after_calls_through_the_daemon(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    for _ in range(3):
        assert "data" in await bridge.call("ticker", {"symbol": "BTC_USDT"})
    assert "error" in await bridge.call("ticker", {"symbol": "NOPE_USDT"})
    assert "data" in await bridge.call("accounts")

    response, text, status = await get_json(bridge.admin_url + "/status.json")
    assert response.headers.getRawHeaders(b"Cache-Control") == [b"no-store"]
    assert list(status) == ["schema", "time", *SECTIONS] and status["schema"] == SCHEMA
    assert list(status) == documented_sections()
    for name in ("daemon", "calls", "okx_requests"):  # the documented fields, no fewer
        assert documented_fields(name) <= all_keys(status[name]), name
    daemon = status["daemon"]
    assert daemon["version"] == __version__ and daemon["okx_reachable"] is True
    assert daemon["okx_url"] == bridge.daemon.client.base_url
    calls = status["calls"]
    assert calls["count"] == 5 and calls["errors_count"] == 1
    assert calls["methods"]["ticker"]["count"] == 4 and calls["methods"]["ticker"]["errors_count"] == 1
    assert calls["methods"]["accounts"]["count"] == 1 and sum(calls["series"]) == 5
    okx = status["okx_requests"]
    sent = sum(n for path, n in sim.request_counts().items() if path.startswith("/api/v5/"))
    assert okx["count"] == sent and okx["latency"]["samples"] == sent
    assert 0 < okx["latency"]["p50_ms"] <= okx["latency"]["p99_ms"]
    limits = status["rate_limits"]
    assert [c["fingerprint"] for c in limits["credentials"]] == [SIM_CREDS.fingerprint]
    budgets = {row["request"]: row for row in limits["credentials"][0]["budgets"]}
    # the account's UID is read from /account/config after its first private call (okx/account_uids.py)
    balance = budgets["GET /api/v5/account/balance"]
    assert balance["free"] < balance["requests"] and "GET /api/v5/account/config" in budgets
    assert {"GET /api/v5/market/ticker"} <= {row["request"] for row in limits["public"]}
    assert status["orders_resolving"] == {"enabled": True, "count": 0, "orders": [], "placements_resolved": {}}
    for name in ("streams", "private_streams", "redis"):
        assert status[name]["enabled"] is False and status[name]["why"]
    # the ledger's section is its /health report: same kind, same state
    assert status["ledger"]["enabled"] is True and status["ledger"]["ok"] is True
    assert status["ledger"]["kind"] == (await get_json(bridge.admin_url + "/health"))[2]["ledger"]["kind"]
    assert_no_secret(text)

    # the second look sees the numbers move
    assert "data" in await bridge.call("ticker", {"symbol": "ETH_USDT"})
    _, _, later = await get_json(bridge.admin_url + "/status.json")
    assert later["calls"]["methods"]["ticker"]["count"] == 5
    assert later["okx_requests"]["count"] > okx["count"] and later["time"] >= status["time"]


@pytest_twisted.ensureDeferred
async def test_status_page_is_self_contained(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--admin-port", "tcp:0:interface=127.0.0.1", "--no-rate-limits")
    response = await treq.get(bridge.admin_url + "/status", persistent=False)
    page = (await response.content()).decode()
    assert response.code == 200
    assert response.headers.getRawHeaders(b"Content-Type") == [b"text/html; charset=utf-8"]
    policy = response.headers.getRawHeaders(b"Content-Security-Policy")[0]
    assert b"default-src 'none'" in policy and b"connect-src 'self'" in policy
    # nothing fetched from elsewhere: no URL, no external script, stylesheet or font
    for outside in ("http://", "https://", "//cdn", "<link", "src=", "@import", "url("):
        assert outside not in page
    assert 'fetch("status.json"' in page
    # on its own admin port the page's data is there too; the protocol port has neither
    _, _, status = await get_json(bridge.admin_url + "/status.json")
    assert status["rate_limits"] == {"enabled": False, "why": "--no-rate-limits: requests are not paced"}
    response = await treq.get(bridge.url + "/status.json", persistent=False)
    assert json.loads(await response.content()) == {"error": "use POST with a JSON body (got GET)"}


@pytest_twisted.ensureDeferred
async def test_an_unanswered_order_shows_while_it_is_resolved(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--timeout", "2")
    bridge.desk.resolve_delays = (0.05, 0.1, 0.2, 0.4)  # as in test_order_faults: shortened look-up delays
    sim.add_fault("/api/v5/trade/order", "drop_response", method="POST")
    sim.add_fault("/api/v5/trade/order", "delay", method="GET", seconds=0.5)  # the look-up takes a while
    placing = Deferred.fromCoroutine(bridge.call(
        "trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1}, nonce=4242))
    shown = None
    for _ in range(5000):  # each turn is one real request to /status.json; bounded, no sleeping
        _, text, status = await get_json(bridge.admin_url + "/status.json")
        orders = status["orders_resolving"]["orders"]
        if (orders and orders[0]["lookups"]) or placing.called:  # waiting for its first (slow) look-up
            shown = status["orders_resolving"]
            break
    answer = await placing
    assert shown is not None and shown["count"] == 1, shown
    order = shown["orders"][0]
    assert order["instId"] == "LTC-USDT" and order["order"] == "fmz4242" and order["write"] == "place"
    assert order["fingerprint"] == SIM_CREDS.fingerprint and order["lookups"] >= 1 and order["seconds"] >= 0
    assert_no_secret(text)
    placed = [o for o in sim.orders() if o["clOrdId"] == "fmz4242"]
    assert answer["data"]["id"] == f"LTC-USDT,{placed[0]['ordId']}"
    _, _, after = await get_json(bridge.admin_url + "/status.json")
    assert after["orders_resolving"]["count"] == 0
    assert after["orders_resolving"]["placements_resolved"] == {"placed": 1}
    # with an order and its budgets in view, the documented fields for these sections are all there
    assert documented_fields("orders_resolving") - {"absent"} <= all_keys(shown) | all_keys(after["orders_resolving"])
    assert documented_fields("rate_limits") <= all_keys(after["rate_limits"])


@pytest_twisted.ensureDeferred
async def test_calls_from_the_docker_are_shown_with_their_params_and_no_secret(bridge_and_sim):
    # issue 26 item 5: the first trader with a real docker reads the method names and the period unit here
    bridge, sim = await bridge_and_sim()
    await bridge.call("records", {"symbol": "BTC_USDT", "period": "60", "limit": 3})
    await bridge.call("records", {"symbol": "BTC_USDT", "period": 3600})
    await bridge.call("GetSomething", {"a": 1})
    await bridge.call("setmarginlevel", {"symbol": "BTC_USDT.swap", "marginLevel": 10})
    _, text, status = await get_json(bridge.admin_url + "/status.json")
    seen = status["docker_calls"]["methods"]
    assert seen["records"]["calls"] == 2 and seen["records"]["understood"] is True
    assert seen["records"]["first_params"] == {"symbol": "BTC_USDT", "period": "60", "limit": 3}
    assert seen["records"]["latest_params"] == {"symbol": "BTC_USDT", "period": 3600}
    assert seen["records"]["latest_error"].startswith("unsupported period 3600min")
    assert seen["GetSomething"]["understood"] is False and "unknown method" in seen["GetSomething"]["latest_error"]
    assert seen["setmarginlevel"]["first_params"] == {"symbol": "BTC_USDT.swap", "marginLevel": 10}
    assert_no_secret(text)
    assert "nonce" not in text
    page = (await (await treq.get(bridge.admin_url + "/status", persistent=False)).content()).decode()
    assert "Calls from the docker" in page and "renderDockerCalls(st.docker_calls)" in page
