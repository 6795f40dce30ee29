"""The bridge's rate-limit table (okx/rate_rules.py) against the emulator's (sim/limits.py).

They are two independent readings of OKX's docs on purpose (style: one fact, one place —
except where a second reading is there to catch the first one's mistakes). Every
difference between them must be named below with its reason, so a disagreement is a
decision, not an accident; a new difference, or a named one that went away, fails.
"""

from okxbridge.okx.rate_rules import RULES
from okxbridge.sim import limits as sim_limits

#: (verb, path) → why the emulator limits it and the bridge does not: the bridge never calls
#: it itself (``_api/<path>`` passthrough falls back to the default private 10/2 s per user)
ONLY_IN_SIM = {
    ("GET", "/api/v5/asset/currencies"): "not called by the bridge (6/1s per user in okxsim)",
    ("POST", "/api/v5/account/set-position-mode"): "not called by the bridge (5/2s per user in okxsim)",
    ("POST", "/api/v5/account/set-account-level"): "not called by the bridge (5/2s per user in okxsim)",
    ("GET", "/api/v5/trade/fills"): "not called by the bridge (60/2s per user in okxsim)",
    ("GET", "/api/v5/trade/fills-history"): "not called by the bridge (10/2s per user in okxsim)",
    ("GET", "/api/v5/account/bills"): "not called by the bridge (5/1s per user in okxsim)",
    ("GET", "/api/v5/account/bills-archive"): "not called by the bridge (5/2s per user in okxsim)",
    ("GET", "/api/v5/system/status"): "not called by the bridge (1/5s per ip in okxsim)",
    # issue 27: okxsim serves algo orders first; the bridge's rows come with its condition orders
    # (branch algo-bridge), which then drops these six entries
    ("POST", "/api/v5/trade/order-algo"): "not called by the bridge yet (20/2s per user+instId in okxsim)",
    ("POST", "/api/v5/trade/amend-algos"): "not called by the bridge yet (20/2s per user+instId in okxsim)",
    ("POST", "/api/v5/trade/cancel-algos"): "not called by the bridge yet (20/2s per user+instId in okxsim, each item)",
    ("GET", "/api/v5/trade/order-algo"): "not called by the bridge yet (20/2s per user in okxsim)",
    ("GET", "/api/v5/trade/orders-algo-pending"): "not called by the bridge yet (20/2s per user in okxsim)",
    ("GET", "/api/v5/trade/orders-algo-history"): "not called by the bridge yet (20/2s per user in okxsim)",
}
#: (verb, path) → why the bridge paces it and the emulator does not limit it
ONLY_IN_BRIDGE = {
    ("POST", "/api/v5/trade/cancel-batch-orders"): "okxsim does not limit it (OKX: 300/2s per user+instId)",
}
#: (verb, path) → why the two tables give it different rules
DIFFERENT_RULE: dict[tuple[str, str], str] = {}
#: endpoints the emulator counts in one window with another verb of the same path, while OKX
#: counts each verb separately (each has its own docs page). None since issue 23 fixed okxsim
#: keying its windows by path only (it was "/api/v5/trade/order").
SHARED_WINDOW_IN_SIM: dict[str, str] = {}


def bridge_table() -> dict[tuple[str, str], tuple[int, float, str]]:
    return {key: (rule.requests, rule.window, rule.scope) for key, rule in RULES.items()}


def sim_table() -> dict[tuple[str, str], tuple[int, float, str]]:
    return {key: (requests, float(window), scope) for key, (requests, window, scope) in sim_limits.RULES.items()}


def shares_a_window(path: str, verbs: set[str]) -> bool:
    """Measured on the emulator's counter: does spending one verb's whole budget on ``path``
    leave another verb of it without room?"""
    from twisted.internet import task
    params = {"instId": "BTC-USDT", "instType": "SPOT"}
    for spent in verbs:
        counter = sim_limits.EndpointLimits(task.Clock())
        for _ in range(10_000):  # every rule in the table is far below this
            if not counter.allow(spent, path, "ip", "user", params):
                break
        if any(not counter.allow(other, path, "ip", "user", params) for other in verbs - {spent}):
            return True
    return False


def differences() -> dict[str, dict]:
    bridge, sim = bridge_table(), sim_table()
    paths_by_verbs: dict[str, set[str]] = {}
    for verb, path in sim:
        paths_by_verbs.setdefault(path, set()).add(verb)
    return {
        "only_in_sim": {key: sim[key] for key in sim.keys() - bridge.keys()},
        "only_in_bridge": {key: bridge[key] for key in bridge.keys() - sim.keys()},
        "different_rule": {key: (bridge[key], sim[key]) for key in bridge.keys() & sim.keys()
                           if bridge[key] != sim[key]},
        "shared_window_in_sim": {path: sorted(verbs) for path, verbs in paths_by_verbs.items()
                                 if len(verbs) > 1 and shares_a_window(path, verbs)},
    }


def test_every_difference_between_the_two_tables_is_named_with_its_reason():
    found = differences()
    assert sorted(found["only_in_sim"]) == sorted(ONLY_IN_SIM), found["only_in_sim"]
    assert sorted(found["only_in_bridge"]) == sorted(ONLY_IN_BRIDGE), found["only_in_bridge"]
    assert sorted(found["different_rule"]) == sorted(DIFFERENT_RULE), found["different_rule"]
    assert sorted(found["shared_window_in_sim"]) == sorted(SHARED_WINDOW_IN_SIM), found["shared_window_in_sim"]


def test_post_and_get_of_one_path_are_counted_apart():
    """OKX's per-endpoint limits: 60 placements in 2 s leave the 60 reads of an order whole
    (okxsim used to key its windows by ``(path, scope value)``: the read was refused)."""
    from twisted.internet import task
    counter = sim_limits.EndpointLimits(task.Clock())
    for _ in range(60):
        assert counter.allow("POST", "/api/v5/trade/order", "ip", "user", {"instId": "BTC-USDT"})
    assert not counter.allow("POST", "/api/v5/trade/order", "ip", "user", {"instId": "BTC-USDT"})
    for _ in range(60):
        assert counter.allow("GET", "/api/v5/trade/order", "ip", "user", {"instId": "BTC-USDT"})
    assert not counter.allow("GET", "/api/v5/trade/order", "ip", "user", {"instId": "BTC-USDT"})
    assert not shares_a_window("/api/v5/trade/order", {"GET", "POST"})


def test_the_named_rows_agree_with_what_each_table_holds():
    """A reason written for a row is about that row: the emulator-only rows quote its rule."""
    sim = sim_table()
    for (verb, path), reason in ONLY_IN_SIM.items():
        requests, window, scope = sim[(verb, path)]
        assert f"{requests}/{window:g}s per {scope}" in reason
    for key, reason in ONLY_IN_BRIDGE.items():
        assert RULES[key].describe().replace(" ", "") in reason.replace(" ", "")


def test_both_readings_of_the_sub_account_cap_agree():
    """docs #overview-rate-limits "Sub-account rate limit": 1000 new + amended orders / 2 s."""
    from okxbridge.okx.rate_rules import SUB_ACCOUNT_ORDERS, SUB_ACCOUNT_PATHS
    assert (SUB_ACCOUNT_ORDERS.requests, SUB_ACCOUNT_ORDERS.window) == sim_limits.SUB_ACCOUNT_CAP
    assert SUB_ACCOUNT_PATHS == sim_limits.SUB_ACCOUNT_PATHS
