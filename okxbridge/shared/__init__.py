# -*- test-case-name: tests.shared -*-
"""State shared by several okxbridge instances through Redis (``--shared-state``): the
connection service (:mod:`.connection`) and OKX's request budgets as GCRA (:mod:`.gcra`).
The ledger's Redis store is :mod:`okxbridge.desk.redis`."""
