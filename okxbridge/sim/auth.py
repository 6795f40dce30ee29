# -*- test-case-name: tests.e2e.test_account_modes, tests.e2e.test_fidelity, tests.sim.test_sim_modes -*-
"""OKX's REST signature check (docs #overview-rest-authentication, spec §2).

prehash = OK-ACCESS-TIMESTAMP + METHOD + requestPath (with query string) + body,
signature = base64(HMAC-SHA256(secret, prehash)). Each failure has its own code,
all answered with HTTP 401. The emulator checks the raw request line, so a
client that signs one path and sends another is caught, as on OKX.
"""

import base64
import datetime
import hashlib
import hmac

import attrs

from okxbridge.sim.errors import ApiRejection

WINDOW = 30.0


@attrs.frozen
class SimAccount:
    """An API key the emulator accepts, in one environment: OKX creates a key for live
    trading or for demo trading, and a key used in the other one is refused with 50101
    "APIKey does not match current environment." (HTTP 401, docs #error-code-rest-api-public)."""

    api_key: str
    secret: str = attrs.field(repr=False)
    passphrase: str = attrs.field(repr=False)
    #: the OKX account (User ID) the key belongs to; keys with the same uid share one
    #: account: its orders, balances and rate limits. Empty: an account of its own.
    uid: str = ""
    #: account mode: spot, futures, multi or portfolio (:mod:`okxbridge.sim.modes`)
    mode: str = "futures"
    #: a demo-trading key (``--demo-account``): valid with ``x-simulated-trading: 1`` and on the
    #: demo WebSocket host only; a live key (``--account``) everywhere else
    demo: bool = False

    @property
    def account_id(self):
        return self.uid or self.api_key


DEFAULT_ACCOUNT = SimAccount(api_key="okxsim-demo-key", secret="okxsim-demo-secret", passphrase="okxsim-demo-pass")
#: the default demo-trading key: OKX's demo keys are keys of their own (README, "Offline")
DEFAULT_DEMO_ACCOUNT = SimAccount(api_key="okxsim-demo-trading-key", secret="okxsim-demo-trading-secret",
                                  passphrase="okxsim-demo-trading-pass", demo=True)
DEFAULT_ACCOUNTS = (DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT)
WRONG_ENVIRONMENT = ("50101", "APIKey does not match current environment.")


def sign(secret, timestamp, method, request_path, body):
    """The OK-ACCESS-SIGN value for a request; tests and clients use the same rule."""
    prehash = f"{timestamp}{method.upper()}{request_path}{body}"
    digest = hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def parse_timestamp(text):
    """OK-ACCESS-TIMESTAMP (ISO 8601 UTC with ms, ``Z``) as Unix seconds, or None."""
    if not text.endswith("Z") or "T" not in text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text[:-1])
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return None
    return moment.replace(tzinfo=datetime.timezone.utc).timestamp()


def authenticate(headers, method, request_path, body, accounts, now, demo=False):
    """The SimAccount behind a signed request, or raise the ApiRejection OKX would answer.

    ``headers`` maps lower-case header names to str; ``accounts`` maps api key to
    SimAccount; ``now`` is the emulator's clock in seconds (offset applied); ``demo`` whether
    the request asks for demo trading (``x-simulated-trading: 1``). A key of the other
    environment gets 50101 once it is known to be the key's (okxsim checks the passphrase
    and signature first: that OKX does is inferred, its docs give no order).
    """
    key = headers.get("ok-access-key", "")
    signature = headers.get("ok-access-sign", "")
    timestamp = headers.get("ok-access-timestamp", "")
    passphrase = headers.get("ok-access-passphrase", "")
    if not key:
        return _fail("50103", "Request header OK-ACCESS-KEY can not be empty.")
    if not passphrase:
        return _fail("50104", "Request header OK-ACCESS-PASSPHRASE can not be empty.")
    if not signature:
        return _fail("50106", "Request header OK-ACCESS-SIGN can not be empty.")
    if not timestamp:
        return _fail("50107", "Request header OK-ACCESS-TIMESTAMP can not be empty.")
    moment = parse_timestamp(timestamp)
    if moment is None:
        return _fail("50112", "Invalid OK-ACCESS-TIMESTAMP.")
    if abs(moment - now) > WINDOW:
        return _fail("50102", "Timestamp request expired.")
    account = accounts.get(key)
    if account is None:
        return _fail("50111", "Invalid OK-ACCESS-KEY.")
    if not hmac.compare_digest(passphrase.encode(), account.passphrase.encode()):  # non-ASCII too
        return _fail("50105", "Invalid OK-ACCESS-PASSPHRASE.")
    expected = sign(account.secret, timestamp, method, request_path, body)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return _fail("50113", "Invalid signature.")
    if account.demo != demo:
        return _fail(*WRONG_ENVIRONMENT)
    return account


def _fail(code, msg):
    raise ApiRejection(code, msg)
