# -*- test-case-name: tests.fmz.test_envelope -*-
"""Parsing and checking the docker's request body (spec: Transport).

Every check names the field and what was wrong, because the text lands verbatim in the
strategy's log and is all a trader has to go on.

Numbers are checked as text, before anything converts them: ``int()`` of a Decimal like
``1e600000`` takes seconds on the reactor thread, which would stall every strategy the
daemon serves. A JSON integer must fit in 64 bits (the docker's own integers do, and OKX's
JSON has none wider), and any other number may have at most :data:`MAX_NUMBER_CHARS`
characters and an exponent within ±:data:`MAX_EXPONENT` (beyond a double's range nothing
in a trade means anything). The check is linear in the body's length, so a call's parse
takes milliseconds, whatever it carries.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import attrs

from .errors import ProtocolError
from .io_call import IO_PREFIXES  # the method prefixes of FMZ's exchange.IO("api", …)

SIMULATE = "simulate"

#: the longest JSON number accepted, in characters ("-0.000000000000000001" is 21)
MAX_NUMBER_CHARS = 64
#: the largest exponent (adjusted, as in 1.5e308 → 308) of a JSON number with a fraction or exponent
MAX_EXPONENT = 308
INT64_MIN, UINT64_MAX = -(2**63), 2**64 - 1


def _shown(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}…{text[-8:]} ({len(text)} characters)"


def bounded_int(text: str) -> int:
    """``json.loads``'s ``parse_int``: a JSON integer, refused past 64 bits before conversion."""
    if len(text) > 21:  # "-9223372036854775808" is 20, 2**64-1 has 20 digits
        raise ProtocolError(f"number {_shown(text)} is out of range: integers must fit in 64 bits")
    value = int(text)
    if not INT64_MIN <= value <= UINT64_MAX:
        raise ProtocolError(f"number {_shown(text)} is out of range: integers must fit in 64 bits")
    return value


def bounded_decimal(text: str) -> Decimal:
    """``json.loads``'s ``parse_float``: a JSON number with a fraction or exponent, as Decimal,
    refused when too long or too large/small to mean anything (checked before ``int()`` ever
    sees it)."""
    if len(text) > MAX_NUMBER_CHARS:
        raise ProtocolError(f"number {_shown(text)} is too long (at most {MAX_NUMBER_CHARS} characters)")
    value = Decimal(text)  # cheap for 64 characters: Decimal keeps the exponent, it expands nothing
    if value and not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        raise ProtocolError(f"number {_shown(text)} is out of range (exponent beyond ±{MAX_EXPONENT})")
    return value


def _bad_constant(name: str) -> Any:
    raise ProtocolError(f"{name} is not a JSON number; send a finite number")


#: a JSON escape of a UTF-16 surrogate; paired ones decode to one character, a lone one to a
#: string that cannot be encoded (not in a signature, a header, a log line or orjson)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(content: bytes | str) -> Any:
    """``json.loads`` with every number bounded as above (Decimal for non-integers) and
    NaN/Infinity refused; bad JSON raises ``ValueError``, too deep nesting ``RecursionError``,
    a number out of bounds or a lone surrogate :class:`ProtocolError`."""
    if isinstance(content, bytes):
        try:  # strictly: json.loads(bytes) would let UTF-8-encoded surrogates through
            content = content.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ProtocolError(f"request body is not valid JSON: not UTF-8 at byte {e.start}") from None
    value = json.loads(content, parse_float=bounded_decimal, parse_int=bounded_int, parse_constant=_bad_constant)
    if _SURROGATE_ESCAPE.search(content) or _SURROGATE.search(content):  # rare: only then are strings walked
        _refuse_lone_surrogates(value)
    return value


def _refuse_lone_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts = [item]
        elif isinstance(item, dict):
            texts = list(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            texts = []
            stack.extend(item)
        else:
            continue
        for text in texts:
            if not text.isascii() and _SURROGATE.search(text):
                raise ProtocolError("request body holds a string with a lone UTF-16 surrogate (\\ud800-\\udfff): "
                                    "not valid Unicode")


@attrs.frozen
class SecretKey:
    """FMZ's ``secret_key`` field: ``SECRET,PASSPHRASE`` or ``SECRET,PASSPHRASE,simulate``."""

    secret: str = attrs.field(repr=False)
    passphrase: str = attrs.field(repr=False)
    simulate: bool = False


#: OKX API keys are 36 characters (a UUID), secrets 32 hex digits, passphrases 8–32
#: characters; these bounds leave room and keep 50 kB junk keys out of every table
MAX_ACCESS_KEY, MAX_SECRET, MAX_PASSPHRASE = 64, 128, 64
#: C0/C1 controls and the invisible format characters (bidi overrides, zero-width): never part
#: of a key OKX issued. A NUL is worse than junk: HMAC zero-pads short keys, so ``s1\0`` signs
#: as ``s1`` and would be a second "credential" for one OKX key.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def check_credential_part(field: str, text: str, limit: int) -> str:
    """``text`` stripped of surrounding whitespace (OKX strips its headers too), or an error
    naming ``field`` — never its value, which may be a secret."""
    text = text.strip()
    if len(text) > limit:
        raise ProtocolError(f"{field} is {len(text)} characters long; OKX's are at most {limit}")
    found = _CONTROL.search(text)
    if found:
        raise ProtocolError(f"{field} holds a control character (U+{ord(found.group()):04X}); "
                            "paste the value from OKX again")
    return text


def parse_secret_key(text: str) -> SecretKey:
    secret, sep, rest = text.strip().partition(",")
    head, comma, last = rest.rpartition(",")
    simulate = bool(comma) and last.strip().lower() == SIMULATE
    rest = head if simulate else rest
    secret = check_credential_part("field 'secret_key': the secret", secret, MAX_SECRET)
    rest = check_credential_part("field 'secret_key': the passphrase", rest, MAX_PASSPHRASE)
    if not sep or not secret or not rest:
        # never echo the value: it is the secret
        raise ProtocolError('secret_key must be "SECRET,PASSPHRASE" or "SECRET,PASSPHRASE,simulate"')
    return SecretKey(secret, rest, simulate)


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


NONCE_RULE = "field 'nonce' must be a non-negative integer (nanoseconds) within 64 bits"


def parse_nonce(value: Any) -> int:
    """A JSON integer or a string of digits, 0 … 2**64-1. Floats are refused, also whole ones
    like ``1e18``: a nanosecond clock is an integer, and a float has lost digits of it."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= UINT64_MAX:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
        if number <= UINT64_MAX:
            return number
    if isinstance(value, Decimal):
        raise ProtocolError(f"{NONCE_RULE}, got the number {_shown(str(value))}")
    raise ProtocolError(NONCE_RULE)


def parse_call(content: bytes, http_method: str = "GET") -> Call:
    try:
        body = loads(content)
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
        hint = " (an array is accepted only by IO calls, _api/<path>)" if isinstance(params, list) else ""
        raise ProtocolError(f"field 'params' must be an object, got {json_type(params)}{hint}")
    if not method:
        raise ProtocolError("field 'method' is empty")
    if not access_key.strip():
        raise ProtocolError("field 'access_key' is empty: set the OKX API key in FMZ's exchange settings")
    access_key = check_credential_part("field 'access_key'", access_key, MAX_ACCESS_KEY)
    verb = (http_method or "GET").strip().upper()
    return Call(access_key, parse_secret_key(secret_text), method, nonce, params, verb)


def json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")
