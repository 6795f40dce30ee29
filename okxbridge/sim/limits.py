# -*- test-case-name: tests.okx.test_limits_agree, tests.sim.test_sim_http -*-
"""OKX's published REST rate limits, counted on the injected clock.

Each rule is (requests, window seconds, scope) from the endpoint's docs page
(spec §3, §5): public data is limited per IP (some per IP + instType/instId),
private data per user, and order placement/cancel per user + instrument, with
batch endpoints counting each order. Over the limit OKX answers 50011; the
emulator uses the documented HTTP 429 form.
"""

import collections

import attrs

RULES = {
    ("GET", "/api/v5/market/ticker"): (20, 2, "ip"),
    ("GET", "/api/v5/market/tickers"): (20, 2, "ip"),
    ("GET", "/api/v5/market/books"): (40, 2, "ip"),
    ("GET", "/api/v5/market/trades"): (100, 2, "ip"),
    ("GET", "/api/v5/market/candles"): (40, 2, "ip"),
    ("GET", "/api/v5/market/history-candles"): (20, 2, "ip"),
    ("GET", "/api/v5/public/instruments"): (20, 2, "ip+instType"),
    ("GET", "/api/v5/public/time"): (10, 2, "ip"),
    ("GET", "/api/v5/public/funding-rate"): (10, 2, "ip+instId"),
    ("GET", "/api/v5/public/funding-rate-history"): (10, 2, "ip+instId"),
    ("GET", "/api/v5/account/balance"): (10, 2, "user"),
    ("GET", "/api/v5/asset/balances"): (6, 1, "user"),
    ("GET", "/api/v5/asset/currencies"): (6, 1, "user"),
    ("GET", "/api/v5/account/positions"): (10, 2, "user"),
    ("GET", "/api/v5/account/config"): (5, 2, "user"),
    ("POST", "/api/v5/account/set-position-mode"): (5, 2, "user"),
    ("POST", "/api/v5/account/set-account-level"): (5, 2, "user"),
    ("POST", "/api/v5/account/set-leverage"): (20, 2, "user"),
    ("GET", "/api/v5/account/leverage-info"): (20, 2, "user"),
    ("POST", "/api/v5/trade/order"): (60, 2, "user+instId"),
    ("POST", "/api/v5/trade/batch-orders"): (300, 2, "user+instId"),
    ("POST", "/api/v5/trade/cancel-order"): (60, 2, "user+instId"),
    ("POST", "/api/v5/trade/amend-order"): (60, 2, "user+instId"),
    ("GET", "/api/v5/trade/order"): (60, 2, "user+instId"),
    ("GET", "/api/v5/trade/orders-pending"): (60, 2, "user"),
    ("GET", "/api/v5/trade/orders-history"): (40, 2, "user"),
    ("GET", "/api/v5/trade/orders-history-archive"): (20, 2, "user"),
    ("GET", "/api/v5/trade/fills"): (60, 2, "user"),
    ("GET", "/api/v5/trade/fills-history"): (10, 2, "user"),
    ("GET", "/api/v5/account/bills"): (5, 1, "user"),
    ("GET", "/api/v5/account/bills-archive"): (5, 2, "user"),
    ("GET", "/api/v5/system/status"): (1, 5, "ip"),
    # algo orders (docs #order-book-trading-algo-trading-post-place-algo-order, -post-amend-algo-order,
    # -post-cancel-algo-order "20 orders per 2 seconds", -get-algo-order-details, -get-algo-order-list,
    # -get-algo-order-history): writes per User ID + Instrument ID, reads per User ID
    ("POST", "/api/v5/trade/order-algo"): (20, 2, "user+instId"),
    ("POST", "/api/v5/trade/amend-algos"): (20, 2, "user+instId"),
    ("POST", "/api/v5/trade/cancel-algos"): (20, 2, "user+instId"),
    ("GET", "/api/v5/trade/order-algo"): (20, 2, "user"),
    ("GET", "/api/v5/trade/orders-algo-pending"): (20, 2, "user"),
    ("GET", "/api/v5/trade/orders-algo-history"): (20, 2, "user"),
}


@attrs.define
class EndpointLimits:
    """Sliding-window counters keyed by (endpoint, scope value)."""

    clock: object
    enabled: bool = True
    _hits: dict = attrs.field(factory=lambda: collections.defaultdict(collections.deque))

    def allow(self, method, path, ip, user, params, inst_ids=None):
        """Count one call; False when any of its budgets is spent.

        ``inst_ids`` lists the instIds of a batch (one entry per order), which
        OKX counts one by one against the user+instId budget.
        """
        rule = RULES.get((method, path))
        if not self.enabled or rule is None:
            return True
        count, window, scope = rule
        now = self.clock.seconds()
        if scope == "user+instId" and inst_ids is not None:
            wanted = collections.Counter(inst_ids)
        else:
            wanted = collections.Counter([params.get("instId", "")])
        keys = {}
        for inst_id, cost in wanted.items():
            scope_value = {
                "ip": ip, "user": user,
                "ip+instType": f"{ip}|{params.get('instType', '')}",
                "ip+instId": f"{ip}|{inst_id}",
                "user+instId": f"{user}|{inst_id}",
            }[scope]
            # OKX's limits are per endpoint, and POST and GET of one path are two endpoints
            # (docs: "Place order" and "Get order details" each list their own 60/2s)
            hits = self._hits[(method, path, scope_value)]
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) + cost > count:
                return False
            keys[(method, path, scope_value)] = cost
        for key, cost in keys.items():
            self._hits[key].extend([now] * cost)
        return True


#: docs #overview-rate-limits "Sub-account rate limit": new and amended orders per sub-account
#: (User ID), 1000 per 2 s across instruments, batch items counted singly, spot and margin
#: orders exempt; past it OKX answers 50061 (HTTP 429 in docs #error-code-rest-api-public)
SUB_ACCOUNT_CAP = (1000, 2)
SUB_ACCOUNT_PATHS = frozenset({"/api/v5/trade/order", "/api/v5/trade/batch-orders",
                               "/api/v5/trade/amend-order", "/api/v5/trade/amend-batch-orders"})
SUB_ACCOUNT_REFUSAL = ("50061", "You've reached the maximum order rate limit for this account.")


def sub_account_allows(limits, method, path, user, params, inst_ids=None):
    """Count a write's non-spot orders against its account's cap; False when it is spent.
    Spot and margin instIds are ``BASE-QUOTE``, every derivative's has more parts."""
    if not limits.enabled or method != "POST" or path not in SUB_ACCOUNT_PATHS:
        return True
    items = inst_ids if inst_ids is not None else [params.get("instId", "")]
    cost = sum(1 for inst_id in items if str(inst_id).count("-") != 1)
    if not cost:
        return True
    count, window = SUB_ACCOUNT_CAP
    now = limits.clock.seconds()
    hits = limits._hits[("sub-account", user)]
    while hits and hits[0] <= now - window:
        hits.popleft()
    if len(hits) + cost > count:
        return False
    hits.extend([now] * cost)
    return True
