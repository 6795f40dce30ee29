# -*- test-case-name: tests.test_docker_calls -*-
"""What the docker really sends: per method, the first and the latest params, how many
calls, and whether the daemon understood them. Status section ``docker_calls``.

No public capture of a real FMZ docker settles the method names of GetPositions,
SetMarginLevel and GetFundings, or the unit of GetRecords' period (spec/fmz-protocol.md,
"Open questions"). This shows them, so the first trader with a real docker settles each
choice in a minute (docs/cli.md, "Checking what your docker sends").

Nothing secret is kept: the envelope's keys and nonce are never looked at, a param whose
name says it is a credential (``secret``, ``passphrase``, ``sign``…) is shown as
``<redacted>``, a value that contains the call's secret or passphrase likewise, and a
``nonce`` param is dropped. Memory is bounded whatever arrives: at most ``MAX_METHODS``
methods (later new names count under ``(other)``), ``MAX_KEYS`` params per call, each value
cut at ``MAX_VALUE_CHARS``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from .fmz.envelope import Call

MAX_METHODS = 64
MAX_METHOD_CHARS = 60
MAX_KEYS = 24
MAX_KEY_CHARS = 40
MAX_VALUE_CHARS = 120
MAX_ERROR_CHARS = 200
OTHER = "(other)"
REDACTED = "<redacted>"
#: words in a param's name that mark it as a credential
SECRET_WORDS = ("secret", "passphrase", "password", "sign", "token", "access_key", "apikey", "api_key")


def shown_value(value: Any, secrets: tuple[str, ...]) -> Any:
    """A param's value as shown: a number stays a number and text stays text (whether the
    docker sends ``60`` or ``"60"`` is worth seeing); objects as compact JSON; all cut."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and len(str(value)) <= MAX_VALUE_CHARS:
        return value
    if isinstance(value, Decimal) and value.is_finite() and len(str(value)) <= MAX_VALUE_CHARS:
        return int(value) if value == value.to_integral_value() else float(value)
    text = value if isinstance(value, str) else json.dumps(value, default=str, separators=(",", ":"))
    if any(s in text for s in secrets):
        return REDACTED
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + f"… ({len(text)} chars)"


def shown_params(params: Any, secrets: tuple[str, ...]) -> dict[str, Any] | list[Any] | str:
    """The params as shown: names and values, never the nonce or a credential."""
    if isinstance(params, list):
        return [shown_value(v, secrets) for v in params[:MAX_KEYS]]
    if not isinstance(params, dict):
        return str(shown_value(params, secrets))
    out: dict[str, Any] = {}
    for name, value in list(params.items())[:MAX_KEYS]:
        key = str(name)[:MAX_KEY_CHARS]
        if key.lower() == "nonce":
            continue
        lowered = key.lower().replace("-", "_")
        out[key] = REDACTED if any(w in lowered for w in SECRET_WORDS) else shown_value(value, secrets)
    if len(params) > MAX_KEYS:
        out["…"] = f"{len(params) - MAX_KEYS} more params not shown"
    return out


@attrs.define
class Seen:
    """One method as the docker calls it."""

    first: Any
    first_at: float
    latest: Any
    latest_at: float
    calls: int = 1
    understood: bool = True
    latest_error: str = ""

    def as_status(self) -> dict[str, Any]:
        return {"calls": self.calls, "understood": self.understood, "first_params": self.first,
                "first_at": round(self.first_at, 3), "latest_params": self.latest,
                "latest_at": round(self.latest_at, 3), "latest_error": self.latest_error}


@attrs.define
class DockerCalls:
    """``FmzApp.on_received``: every parsed call, kept per method (bounded)."""

    clock: IReactorTime
    status_section: str = "docker_calls"
    _methods: dict[str, Seen] = attrs.Factory(dict)
    log = Logger()

    def received(self, call: Call, understood: bool, error: str) -> None:
        secrets = tuple(s for s in (call.secret_key.secret, call.secret_key.passphrase, call.access_key)
                        if len(s) >= 4)
        method = call.method[:MAX_METHOD_CHARS]
        if method not in self._methods and len(self._methods) >= MAX_METHODS:
            method = OTHER
        params, now = shown_params(call.params, secrets), self.clock.seconds()
        error = REDACTED if any(s in error for s in secrets) else error[:MAX_ERROR_CHARS]
        seen = self._methods.get(method)
        if seen is None:
            self._methods[method] = Seen(params, now, params, now, understood=understood, latest_error=error)
            self.log.info("first call of {method} from the docker ({understood}): params {params}",
                          method=method, understood="understood" if understood else "not understood",
                          params=json.dumps(params, default=str))
            return
        seen.calls += 1
        seen.latest, seen.latest_at, seen.understood, seen.latest_error = params, now, understood, error

    def status(self) -> dict[str, Any]:
        return {"methods": {name: seen.as_status() for name, seen in sorted(self._methods.items())},
                "max_methods": MAX_METHODS}
