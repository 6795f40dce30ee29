# -*- test-case-name: tests.okx.test_limits_agree -*-
"""OKX's published REST rate limits, as data: one :class:`Rule` per endpoint, and which
buckets a request spends.

Kept apart from the limiter that enforces them (:mod:`.limits`) so the table reads as the
docs do, and so a test can set it beside the emulator's own, independent reading
(``tests/okx/test_limits_agree.py``): a difference between the two is a decision, named
there with its reason.
"""

from __future__ import annotations

from typing import Any, Hashable, Mapping

import attrs

#: a bucket's key: (verb, path) plus what the rule's scope adds (user, instId, instType …)
BucketKey = tuple[Any, ...]

@attrs.frozen
class Rule:
    """``requests`` per ``window`` seconds, counted per ``scope``: ip, ip+instType,
    ip+instId, user or user+instId (user = the OKX account's UID once known, else the
    credential's fingerprint; either covers the demo flag — :mod:`.account_uids`)."""

    requests: int
    window: float
    scope: str
    #: what the budget is, when it is okxbridge's own rather than an OKX endpoint's
    note: str = ""

    def describe(self) -> str:
        return f"{self.requests}/{self.window:g}s per {self.scope}" + (f" {self.note}" if self.note else "")


# From each endpoint's page in OKX's v5 docs, as collected in spec §3.
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/api/v5/market/ticker"): Rule(20, 2, "ip"),
    ("GET", "/api/v5/market/tickers"): Rule(20, 2, "ip"),
    ("GET", "/api/v5/market/books"): Rule(40, 2, "ip"),
    ("GET", "/api/v5/market/trades"): Rule(100, 2, "ip"),
    ("GET", "/api/v5/market/candles"): Rule(40, 2, "ip"),
    ("GET", "/api/v5/market/history-candles"): Rule(20, 2, "ip"),
    ("GET", "/api/v5/public/instruments"): Rule(20, 2, "ip+instType"),
    ("GET", "/api/v5/public/time"): Rule(10, 2, "ip"),
    ("GET", "/api/v5/public/funding-rate"): Rule(10, 2, "ip+instId"),
    ("GET", "/api/v5/public/funding-rate-history"): Rule(10, 2, "ip+instId"),
    ("GET", "/api/v5/account/balance"): Rule(10, 2, "user"),
    ("GET", "/api/v5/asset/balances"): Rule(6, 1, "user"),
    ("GET", "/api/v5/account/positions"): Rule(10, 2, "user"),
    ("GET", "/api/v5/account/config"): Rule(5, 2, "user"),
    ("POST", "/api/v5/account/set-leverage"): Rule(20, 2, "user"),
    ("GET", "/api/v5/account/leverage-info"): Rule(20, 2, "user"),
    ("POST", "/api/v5/trade/order"): Rule(60, 2, "user+instId"),
    ("POST", "/api/v5/trade/batch-orders"): Rule(300, 2, "user+instId"),
    ("POST", "/api/v5/trade/cancel-order"): Rule(60, 2, "user+instId"),
    ("POST", "/api/v5/trade/amend-order"): Rule(60, 2, "user+instId"),
    ("POST", "/api/v5/trade/cancel-batch-orders"): Rule(300, 2, "user+instId"),
    ("GET", "/api/v5/trade/order"): Rule(60, 2, "user+instId"),
    ("GET", "/api/v5/trade/orders-pending"): Rule(60, 2, "user"),
    ("GET", "/api/v5/trade/orders-history"): Rule(40, 2, "user"),
    ("GET", "/api/v5/trade/orders-history-archive"): Rule(20, 2, "user"),
}

# Per sub-account (UID), across instruments: 1000 new and amended orders per 2 s, batch items
# counted singly, spot and margin orders exempt; past it OKX answers 50061 (docs
# #overview-rate-limits, "Sub-account rate limit"; spec §5).
SUB_ACCOUNT_ORDERS = Rule(1000, 2, "user")
SUB_ACCOUNT_PATHS = frozenset({"/api/v5/trade/order", "/api/v5/trade/batch-orders",
                               "/api/v5/trade/amend-order", "/api/v5/trade/amend-batch-orders"})

# Unknown paths (``_api/<path>`` passthrough, endpoints added later): OKX's most common
# private budget, which no documented endpoint goes below except account/config.
DEFAULT_PUBLIC = Rule(10, 2, "ip")
DEFAULT_PRIVATE = Rule(10, 2, "user")


def rule_for(verb: str, path: str, signed: bool) -> Rule:
    return RULES.get((verb, path)) or (DEFAULT_PRIVATE if signed else DEFAULT_PUBLIC)


def bucket_keys(verb: str, path: str, params: Mapping[str, Any] | None, body: Any,
                user: Hashable | None) -> list[tuple[BucketKey, Rule]]:
    """One ``(key, rule)`` per token the request spends.

    Batch bodies (a JSON array) spend one token per order against each order's
    instrument, as OKX counts them (spec §3 batch-orders). ``user`` is ``None`` for
    unsigned calls; a signed call to an unknown path is counted per user.
    """
    rule = rule_for(verb, path, user is not None)  # user: the credential's fingerprint
    params = params or {}
    if rule.scope == "ip":
        return [((verb, path), rule)]
    if rule.scope in ("ip+instType", "ip+instId"):
        field = rule.scope.split("+")[1]
        return [((verb, path, str(params.get(field, ""))), rule)]
    if rule.scope == "user":
        return [((verb, path, user), rule)]
    items = body if isinstance(body, list) else [body if isinstance(body, dict) else params]
    keys: list[tuple[BucketKey, Rule]] = [((verb, path, user, _inst_id(item)), rule) for item in items]
    if verb == "POST" and path in SUB_ACCOUNT_PATHS:
        keys += [(("POST", "new orders per sub-account", user), SUB_ACCOUNT_ORDERS)
                 for item in items if not _spot(_inst_id(item))]
    return keys


#: the part of each public budget that callers whose credential OKX has not accepted
#: (:mod:`.accepted`) spend between them: rotating junk keys cannot take a public budget whole
UNPROVEN_PUBLIC_SHARE = 0.25
#: and every request signed with such a credential, whatever its path, per host (hence IP):
#: each new junk secret costs OKX a refusal, and OKX may throttle the IP for everyone
UNPROVEN_SIGNED = Rule(20, 2, "ip", "for keys OKX has not accepted yet (okxbridge's own limit)")


def unproven_share(rule: Rule) -> Rule:
    share = f"{UNPROVEN_PUBLIC_SHARE:.0%} of OKX's {rule.requests}"
    return attrs.evolve(rule, requests=max(1, int(rule.requests * UNPROVEN_PUBLIC_SHARE)),
                        note=f"for keys OKX has not accepted yet ({share})")


def unproven_keys(keys: list[tuple[BucketKey, Rule]], signed: bool) -> list[tuple[BucketKey, Rule]]:
    """The extra buckets a call of a never-accepted credential spends, taken before ``keys``
    (so a junk caller waits there without holding any of the real budgets' tokens)."""
    extra: list[tuple[BucketKey, Rule]] = [
        ((f"unproven {key[0]}", *key[1:]), unproven_share(rule)) for key, rule in keys if rule.scope.startswith("ip")]
    if signed:
        extra.append((("unproven", "private requests"), UNPROVEN_SIGNED))
    return extra


def _spot(inst_id: str) -> bool:
    """Spot and margin orders name a ``BASE-QUOTE`` pair; swaps, futures and options have more
    parts (``BTC-USDT-SWAP``, ``BTC-USD-250328``) — the exemption from the sub-account cap."""
    return inst_id.count("-") == 1


def _inst_id(item: Any) -> str:
    """The instrument an item is counted against; anything but a short string counts as none
    (callers validate first: a bucket key must never be a caller's 60 kB string)."""
    inst_id = item.get("instId", "") if isinstance(item, Mapping) else ""
    return inst_id if isinstance(inst_id, str) and len(inst_id) <= 64 else ""
