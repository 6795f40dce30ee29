# -*- test-case-name: tests.desk.test_placement -*-
"""OKX's REST envelope: the exact text a request sends and signs, and how an answer is read.

Pure functions, shared by the signing transport (REST) and the private WebSocket's order
operations (:mod:`.private_ws`), which OKX answers in the same ``code``/``sCode`` form.
"""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlencode

import attrs
import orjson

from ..jsonwire import json_default
from .errors import OkxError, OkxTransportError


@attrs.frozen
class OkxReply:
    """A successful answer: ``data`` is OKX's array, ``raw`` the whole decoded envelope."""

    data: list[Any]
    raw: dict[str, Any]
    status: int = 200


def encode_query(params: Mapping[str, Any] | None) -> str:
    """The query string exactly as signed: keys in the caller's order, ``None`` dropped."""
    if not params:
        return ""
    return urlencode([(k, str(v)) for k, v in params.items() if v is not None])


def encode_body(body: Any) -> str:
    """Compact JSON, the exact text that is both sent and signed ("" for no body)."""
    if body is None:
        return ""
    return orjson.dumps(body, default=json_default).decode()


def parse_envelope(verb: str, path: str, status: int, content: bytes) -> OkxReply:
    """Map OKX's answer to a reply or the most specific error it carries.

    Order writes report a single failed item as top ``code`` "1" ("Operation failed.")
    with the real reason in ``data[0].sCode/sMsg`` — that reason is what a trader needs.
    """
    try:
        raw = orjson.loads(content)
    except ValueError:
        snippet = content[:120].decode("utf-8", "replace").replace("\n", " ")
        if status >= 500 or (not content and status < 400):
            raise OkxTransportError(f"HTTP {status}", f"HTTP {status} without an OKX answer {snippet!r}",
                                    verb, path, status) from None
        if not content:
            # an empty 4xx (a proxy's 401/403/404, a WAF): the request was refused, not
            # carried out, so a write's outcome is known — left "unknown", its ledger claim
            # stayed pending for days and the write was looked up and sent again
            raise OkxError(f"HTTP {status}", f"HTTP {status} with an empty body: refused before OKX acted "
                           "(check the key's IP allow-list and the --okx-url)", verb, path, status) from None
        raise OkxError(f"HTTP {status}", f"not an OKX answer: {snippet!r}", verb, path, status) from None
    if not isinstance(raw, dict) or "code" not in raw:
        raise OkxError(f"HTTP {status}", "not an OKX answer (no code field)", verb, path, status)
    code = str(raw.get("code"))
    data = raw.get("data")
    if not isinstance(data, list):
        data = [] if data is None else [data]
    if code == "0":
        return OkxReply(data, raw, status)
    for item in data:
        if isinstance(item, dict) and item.get("sCode") not in (None, "", "0"):
            raise OkxError(str(item["sCode"]), str(item.get("sMsg") or raw.get("msg") or ""), verb, path, status, raw)
    raise OkxError(code, str(raw.get("msg") or ""), verb, path, status, raw)
