# -*- test-case-name: tests.convert -*-
"""Pure conversions between FMZ's values and OKX's: symbols and contract horizons, numbers
and the price/size grid, candles, order records and bodies, ranges and the IO allow-list.

Nothing here does I/O or imports Twisted: every function maps values to values, so each is
table- and property-tested (``tests/convert/``) and any layer above may call it.
"""
