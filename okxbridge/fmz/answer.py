# -*- test-case-name: tests.fmz.test_app -*-
"""What a handler gives back and how it is written on the wire (spec: Transport)."""

from __future__ import annotations

from typing import Any

import attrs
import orjson

from ..jsonwire import json_default


@attrs.frozen
class Answer:
    """A successful call: ``data`` in FMZ's shape, ``raw`` OKX's own answer(s) untouched."""

    data: Any
    raw: Any = None


def encode_answer(answer: Answer) -> bytes:
    """Every answer goes through here, OKX's raw answer included: orjson encodes it in a
    fraction of the time of the standard library's encoder (the benchmark's profile)."""
    body: dict[str, Any] = {"data": answer.data}
    if answer.raw is not None:
        body["raw"] = answer.raw
    return orjson.dumps(body, default=json_default)


def encode_error(message: str, raw: Any = None) -> bytes:
    """``{"error": line}``, plus ``raw`` when OKX answered the failing request (its whole
    answer, so a strategy can read OKX's code and per-item ``sCode`` itself)."""
    line = " ".join(str(message).split())[:1000] or "internal error"
    body: dict[str, Any] = {"error": line}
    if raw is not None:
        body["raw"] = raw
    return orjson.dumps(body, default=json_default)
