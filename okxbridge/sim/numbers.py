# -*- test-case-name: tests.sim.test_sim_engine, tests.sim.test_sim_http -*-
"""How the emulator spells numbers and times on the wire.

OKX sends every number as a JSON string (docs #overview-rest-api, spec §7):
``"px":"2.15"``, timestamps as Unix milliseconds ``"1597026383085"``. Money is
``Decimal`` inside; these helpers are the only place it becomes text.
"""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)


def fmt(value):
    """A Decimal as OKX writes it: plain notation, no trailing zeros, ``""`` for None."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def parse_decimal(text):
    """A wire number (string or int) as Decimal, or None when it is not a finite number."""
    if text is None or isinstance(text, bool):
        return None
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    return value


def is_multiple(value, step):
    """True when ``value`` is an exact multiple of ``step`` (tick and lot checks, spec §7)."""
    return (value % step) == 0


def floor_to(value, step):
    """Round down to a multiple of ``step``."""
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def round_to(value, step):
    """Round half-up to a multiple of ``step``."""
    return (value / step).to_integral_value(rounding=ROUND_HALF_UP) * step


def ms(seconds):
    """Clock seconds (float) as integer Unix milliseconds."""
    return int(round(seconds * 1000))


def ms_text(seconds):
    """Clock seconds as OKX's millisecond string."""
    return str(ms(seconds))
