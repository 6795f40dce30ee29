# -*- test-case-name: tests.bench.test_charts, tests.convert.test_balances, tests.convert.test_instruments -*-
"""okxbridge: FMZ Quant's custom protocol served on top of OKX v5 (REST and WebSocket).

Layers, lowest first (docs/architecture.md): :mod:`okxbridge.fmz` (the FMZ protocol),
:mod:`okxbridge.convert` (pure conversions), :mod:`okxbridge.okx` (OKX's side),
:mod:`okxbridge.shared` (Redis), :mod:`okxbridge.desk` (the order desk),
:mod:`okxbridge.handlers` (one module per FMZ area) and the top-level modules that build the
daemon. :mod:`okxbridge.sim` is an independent OKX v5 emulator for tests and dry runs.
"""

__version__ = "0.1.0"
