# -*- test-case-name: tests.bench.test_charts, tests.convert.test_balances, tests.convert.test_instruments -*-
"""okxbridge: FMZ Quant's custom protocol served on top of OKX v5 REST.

Three sides kept apart: :mod:`okxbridge.fmz` (the FMZ protocol), :mod:`okxbridge.okx`
(OKX's REST API) and :mod:`okxbridge.handlers` (pure conversions between them plus thin
handlers). :mod:`okxbridge.sim` is an independent OKX v5 emulator for tests and dry runs.
"""

__version__ = "0.1.0"
