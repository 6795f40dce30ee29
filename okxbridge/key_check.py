# -*- test-case-name: tests.e2e.test_key_check -*-
"""The I/O of the key check (``/check`` and ``okxbridge-call check``): one ``/account/config``
read with the caller's key, its answer or refusal turned into words by
:mod:`okxbridge.convert.key_check`.

The body is the FMZ protocol's (``access_key``, ``secret_key`` = ``SECRET,PASSPHRASE[,simulate]``),
so the same key file or FMZ setting is checked that will trade; it is parsed by the protocol's
own credential rules. Nothing of the secret or passphrase is in the answer.
"""

from __future__ import annotations

from typing import Any

from .convert.key_check import Finding, key_findings, not_asked, refused, usable
from .fmz.envelope import MAX_ACCESS_KEY, check_credential_part, loads, parse_secret_key
from .fmz.errors import ProtocolError
from .fmz.key_allowlist import REFUSED
from .okx import paths
from .okx.client import OkxClient
from .okx.errors import OkxError, OkxThrottled, OkxTransportError
from .okx.signer import Credentials


def parse_check_body(content: bytes) -> Credentials:
    """The credential a ``/check`` body names; :class:`ProtocolError` for anything else."""
    try:
        body = loads(content)
    except (ValueError, RecursionError):  # never the text: it may hold the secret
        raise ProtocolError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ProtocolError("the body must be a JSON object with access_key and secret_key")
    access, secret = body.get("access_key"), body.get("secret_key")
    if not isinstance(access, str) or not isinstance(secret, str):
        raise ProtocolError("access_key and secret_key must be strings")
    key, access = parse_secret_key(secret), check_credential_part("access_key", access, MAX_ACCESS_KEY)
    if not access:
        raise ProtocolError("access_key is empty")
    return Credentials(access, key.secret, key.passphrase, key.simulate)


async def check_key(client: OkxClient, creds: Credentials) -> dict[str, Any]:
    """``{"key", "usable", "findings": [{"level", "text"}]}`` — refusals are findings, not errors."""
    findings: list[Finding]
    try:
        reply = await client.get(paths.ACCOUNT_CONFIG, creds=creds)
    except (OkxTransportError, OkxThrottled) as e:
        findings = not_asked(str(e))
    except OkxError as e:
        findings = not_asked(str(e)) if e.rate_limited else refused(str(e.code), e.msg)
    else:
        row = reply.data[0] if reply.data and isinstance(reply.data[0], dict) else {}
        findings = key_findings(row, creds.simulated, client.signer.offset)
    return {"key": creds.short_key, "usable": usable(findings),
            "findings": [{"level": f.level, "text": f.text} for f in findings]}


async def check_body(client: OkxClient, allowed: frozenset[str], content: bytes) -> dict[str, Any]:
    """``POST /check``'s work: the body's credential checked (:class:`ProtocolError` if it names
    none). ``--allow-key`` holds here too: the daemon signs for no other key, checks included."""
    creds = parse_check_body(content)
    if allowed and creds.api_key not in allowed:
        raise ProtocolError(REFUSED)
    return await check_key(client, creds)
