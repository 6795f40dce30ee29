"""What a handler gives back and how it is written on the wire (spec: Transport)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs


@attrs.frozen
class Answer:
    """A successful call: ``data`` in FMZ's shape, ``raw`` OKX's own answer(s) untouched."""

    data: Any
    raw: Any = None


def _default(value: Any) -> Any:
    # Money stays Decimal inside; FMZ reads numbers, so it becomes a float only here.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_encoder = json.JSONEncoder(default=_default, separators=(",", ":"), ensure_ascii=False)


def encode_answer(answer: Answer) -> bytes:
    body: dict[str, Any] = {"data": answer.data}
    if answer.raw is not None:
        body["raw"] = answer.raw
    return _encoder.encode(body).encode()


def encode_error(message: str) -> bytes:
    line = " ".join(str(message).split())[:1000] or "internal error"
    return _encoder.encode({"error": line}).encode()
