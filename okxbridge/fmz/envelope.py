"""Parsing and checking the docker's request body (spec: Transport).

Every check names the field and what was wrong, because the text lands verbatim in the
strategy's log and is all a trader has to go on.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs

from .errors import ProtocolError

SIMULATE = "simulate"


@attrs.frozen
class SecretKey:
    """FMZ's ``secret_key`` field: ``SECRET,PASSPHRASE`` or ``SECRET,PASSPHRASE,simulate``."""

    secret: str = attrs.field(repr=False)
    passphrase: str = attrs.field(repr=False)
    simulate: bool = False


def parse_secret_key(text: str) -> SecretKey:
    secret, sep, rest = text.strip().partition(",")
    simulate = False
    if rest.lower().endswith("," + SIMULATE):
        rest, simulate = rest[: -len(SIMULATE) - 1], True
    if not sep or not secret or not rest:
        # never echo the value: it is the secret
        raise ProtocolError('secret_key must be "SECRET,PASSPHRASE" or "SECRET,PASSPHRASE,simulate"')
    return SecretKey(secret, rest, simulate)


#: the method prefixes of FMZ's ``exchange.IO("api", …)`` (FMZ's text and its sample code)
IO_PREFIXES = ("__api_/", "_api/")


@attrs.frozen
class Call:
    """One protocol call, checked. ``params`` keeps JSON numbers as ``Decimal``."""

    access_key: str
    secret_key: SecretKey = attrs.field(repr=False)
    method: str
    nonce: int
    #: an object; for an IO call also an array (OKX's batch endpoints take a JSON array body)
    params: Any
    http_method: str = "GET"  # the IO call's verb, from the Http-Method header

    @property
    def symbol(self) -> str:
        value = self.params.get("symbol") if isinstance(self.params, dict) else None
        return value if isinstance(value, str) else ""


def _field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], kind_name: str) -> Any:
    if name not in body:
        raise ProtocolError(f"missing field {name!r} in request body")
    value = body[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ProtocolError(f"field {name!r} must be {kind_name}, got {type(value).__name__}")
    return value


def parse_nonce(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value() and value >= 0:
        return int(value)
    raise ProtocolError("field 'nonce' must be a non-negative integer (nanoseconds)")


def parse_call(content: bytes, http_method: str = "GET") -> Call:
    try:
        body = json.loads(content, parse_float=Decimal)
    except (ValueError, RecursionError) as e:
        where = f" at position {e.pos}" if isinstance(e, json.JSONDecodeError) else ""
        raise ProtocolError(f"request body is not valid JSON{where}") from None
    if not isinstance(body, dict):
        raise ProtocolError(f"request body must be a JSON object, got {json_type(body)}")
    access_key = _field(body, "access_key", str, "a string")
    secret_text = _field(body, "secret_key", str, "a string")
    method = _field(body, "method", str, "a string").strip()
    if "nonce" not in body:
        raise ProtocolError("missing field 'nonce' in request body")
    nonce = parse_nonce(body["nonce"])
    params = body.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict) and not (isinstance(params, list) and method.startswith(IO_PREFIXES)):
        raise ProtocolError(f"field 'params' must be an object, got {json_type(params)}"
                            + (" (an array is accepted only by IO calls, _api/<path>)" if isinstance(params, list) else ""))
    if not method:
        raise ProtocolError("field 'method' is empty")
    if not access_key.strip():
        raise ProtocolError("field 'access_key' is empty: set the OKX API key in FMZ's exchange settings")
    verb = (http_method or "GET").strip().upper()
    return Call(access_key.strip(), parse_secret_key(secret_text), method, nonce, params, verb)


def json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")
