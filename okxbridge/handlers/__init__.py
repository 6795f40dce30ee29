# -*- test-case-name: tests.handlers.test_trade -*-
"""The mapping between FMZ and OKX: pure conversions plus thin coroutine handlers.

One module per area (symbols, market, account, trade, contracts, io); the method table
that wires them to protocol method names is :mod:`okxbridge.handlers.methods`.
"""
