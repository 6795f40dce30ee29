# -*- test-case-name: tests.handlers.test_trade, tests.okx.test_account_mirror -*-
"""OKX's order states and error codes that change what the bridge does, named once.

Each group is a decision: a duplicate ``clOrdId`` means the order exists (ours, from a
repeat), "not found" ends a look-up, a cancel refusal is explained from the order's state.
Codes that only mean "the outcome is unknown" live with the retry rules (:mod:`.retry`).
"""

from __future__ import annotations

#: an order in one of these states changes no more (pushes after it are stale)
FINAL_STATES = frozenset({"filled", "canceled", "mmp_canceled"})
#: an order that can still be canceled
OPEN_STATES = frozenset({"live", "partially_filled"})
#: "this clOrdId is already an order" (51016 duplicate clOrdId; 51011 duplicate order id)
DUPLICATE_ORDER = frozenset({"51016", "51011"})
#: "order does not exist"
ORDER_NOT_FOUND = "51603"
#: a cancel OKX refused because of the order's state (filled, canceled, unknown, …)
CANCEL_REFUSED = frozenset({"51400", "51401", "51402", "51603", "51410"})
#: refusals that mean the account mode is not what the order was built for (50072 isolated
#: in Multi-currency/Portfolio margin; 51010 "not under your current account mode", e.g. a
#: contract in Spot mode); 51000 counts only when it names ``tdMode`` (spec okx-v5.md §9)
ACCOUNT_MODE_REFUSALS = frozenset({"50072", "51010"})
