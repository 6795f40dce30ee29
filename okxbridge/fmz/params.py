# -*- test-case-name: tests.fmz.test_params -*-
"""Reading a call's ``params``: numbers may arrive as JSON numbers or as strings (spec)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Mapping, overload

from .errors import ProtocolError

#: no price, amount or time needs more than 10**18 or finer than 10**-18; beyond that the
#: value is junk, and refusing it keeps Decimal arithmetic inside its 28-digit context
MAX_DIGITS = 18


def text_param(params: Mapping[str, Any], name: str, *, required: bool = True, default: str = "") -> str:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise ProtocolError(f"missing parameter {name!r}")
        return default
    if isinstance(value, (dict, list, bool)):
        raise ProtocolError(f"parameter {name!r} must be a string")
    return str(value).strip()


@overload
def decimal_param(params: Mapping[str, Any], name: str, *, required: Literal[True] = True,
                  default: Decimal | None = None) -> Decimal: ...
@overload
def decimal_param(params: Mapping[str, Any], name: str, *, required: bool, default: Decimal) -> Decimal: ...
@overload
def decimal_param(params: Mapping[str, Any], name: str, *, required: bool,
                  default: None = None) -> Decimal | None: ...


def decimal_param(params: Mapping[str, Any], name: str, *, required: bool = True,
                  default: Decimal | None = None) -> Decimal | None:
    """A number parameter; missing, it is an error when ``required``, else ``default``."""
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise ProtocolError(f"missing parameter {name!r}")
        return default
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise ProtocolError(f"parameter {name!r} must be a number, got {value!r}"[:200])
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ProtocolError(f"parameter {name!r} must be a number, got {str(value)[:40]!r}") from None
    if not number.is_finite():
        raise ProtocolError(f"parameter {name!r} must be a finite number")
    if number and not -MAX_DIGITS <= number.adjusted() < MAX_DIGITS:
        raise ProtocolError(f"parameter {name!r} is out of range: {str(value)[:40]}")
    return number


def int_param(params: Mapping[str, Any], name: str, *, default: int = 0, minimum: int = 0,
              maximum: int | None = None) -> int:
    number = decimal_param(params, name, required=False, default=Decimal(default))
    if number != number.to_integral_value():
        raise ProtocolError(f"parameter {name!r} must be a whole number, got {number}")
    value = int(number)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ProtocolError(f"parameter {name!r} must be {bound}, got {value}")
    return value
