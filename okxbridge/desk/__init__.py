# -*- test-case-name: tests.desk -*-
"""The write-ahead order ledger: exactly one order per nonce across hang-ups, restarts and
instances (:mod:`.claims` holds the rules; :mod:`.sqlite`, :mod:`.redis` and :mod:`.memory`
keep the claims)."""
