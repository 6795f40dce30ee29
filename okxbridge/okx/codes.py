# -*- test-case-name: tests.handlers.test_trade, tests.okx.test_account_mirror -*-
"""OKX's order states and error codes that change what the bridge does, named once.

Each group is a decision: a duplicate ``clOrdId`` means the order exists (ours, from a
repeat), "not found" ends a look-up, a cancel refusal is explained from the order's state.
The outcome of a write is a code's meaning, never an HTTP status: OKX answers 51149 with HTTP
500 over REST and inside a well-formed WebSocket frame (an item's ``sCode``), and both mean the
same. How the retry rules use these groups is in :mod:`.retry`.
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
#: an amendment refused for the order's state: does not exist, canceled, filled
#: (docs #error-code-rest-api-trade)
AMEND_REFUSED = frozenset({"51503", "51509", "51510"})
#: refusals that mean the account mode is not what the order was built for (50072 isolated
#: in Multi-currency/Portfolio margin; 51010 "not under your current account mode", e.g. a
#: contract in Spot mode); 51000 counts only when it names ``tdMode`` (spec okx-v5.md §9)
ACCOUNT_MODE_REFUSALS = frozenset({"50072", "51010"})
#: OKX may or may not have acted (spec §6, §10 "Order timeouts"): 50001 service unavailable,
#: 50004 endpoint timeout, 50013 system busy, 50026 system error, 51149 order timed out,
#: 64007 WebSocket internal error. Resolved by reading the order back, never "nothing sent".
OUTCOME_UNKNOWN = frozenset({"50001", "50004", "50013", "50026", "51149", "64007"})
#: refused before acting, so nothing was done and the same write may be sent again once the
#: budget allows: 50011 rate limit (also as HTTP 429), 50061 sub-account order cap (spec §5)
REFUSED_RATE_LIMIT = frozenset({"50011", "50061"})
#: timestamp expired: refused before acting; resent once after re-measuring the clock
TIMESTAMP_EXPIRED = "50102"
#: an order write whose ``expTime`` had passed (docs #overview-transaction-timeouts, error
#: table: 50036 expTime earlier than the system time, 50037 order expired): never placed
EXPIRED = frozenset({"50036", "50037"})
#: a credential that never worked as sent: environment mismatch, wrong passphrase, unknown key,
#: wrong signature (docs "Error Code", REST 50101, 50105, 50111, 50113). A look-up refused so
#: proves the write signed the same way placed nothing; not 50100 (frozen) or 50119 (no such
#: key), which a key that once worked can meet
CREDENTIAL_NEVER_VALID = frozenset({"50101", "50105", "50111", "50113"})
