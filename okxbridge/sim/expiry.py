# -*- test-case-name: tests.sim.test_sim_expiry -*-
"""OKX's ``expTime``: a placement or amendment that reaches OKX after it is not processed.

docs #overview-transaction-timeouts: "If expTime is specified in the requests for Place
(multiple) orders or Amend (multiple) orders, the request will not be processed if the
current system time of the server is after the expTime" — a REST request header, a
top-level field of the WebSocket ``order``/``batch-orders``/``amend-order`` ops, Unix ms.
The error table (#error-code-rest-api-public, general class, HTTP 200) has the two codes:
50036 "The expTime can't be earlier than the current system time…" and 50037 "Order
expired.". Which one OKX answers when is not documented; okxsim answers 50036 for a
request that arrives after its expTime and 50037 for one it held (the ``hold`` fault) until
after it — inferred, as docs/emulator.md says.
"""

ARRIVED_LATE = ("50036", "The expTime can't be earlier than the current system time. "
                         "Please adjust the expTime and try again.")
EXPIRED = ("50037", "Order expired.")
#: REST paths that take the header (the WebSocket ops are their counterparts)
PATHS = frozenset({"/api/v5/trade/order", "/api/v5/trade/batch-orders", "/api/v5/trade/amend-order",
                   "/api/v5/trade/batch-amend-orders"})
BAD_EXP_TIME = ("51000", "Parameter expTime error")


def refusal(exp_time, now, held=False):
    """``(code, msg)`` when a request with this ``expTime`` must not be processed at ``now``
    (seconds on the emulator's clock), else None. Absent or empty: no deadline."""
    if exp_time in (None, ""):
        return None
    text = str(exp_time)
    if not text.isdigit() or len(text) > 16:
        return BAD_EXP_TIME
    if now * 1000 > int(text):
        return EXPIRED if held else ARRIVED_LATE
    return None
