"""Helpers shared by the emulator's tests (tests/ is a package: import them as tests.sim.simsupport)."""

import datetime
import json
from decimal import Decimal

import treq
from twisted.internet import task

from okxbridge.sim import DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT, Emulator
from okxbridge.sim.auth import sign
from okxbridge.sim.params import order_request

START = 1_750_000_000.0  # a Sunday in June 2025, 15:06:40 UTC


def clocked_emulator(**kwargs):
    """An Emulator on a task.Clock set to START."""
    clock = task.Clock()
    clock.advance(START)
    kwargs.setdefault("seed", 1)
    return Emulator(clock=clock, **kwargs), clock


def default_key(demo):
    """okxsim's default key of that environment (OKX binds a key to live or demo trading)."""
    return DEFAULT_DEMO_ACCOUNT if demo else DEFAULT_ACCOUNT


def place(emu, account=None, demo=False, **fields):
    """Place an order through the engine as POST /trade/order would."""
    state = emu.state((account or default_key(demo)).api_key, demo)
    return emu.engine.place(state, order_request(fields), emu.instruments(), emu.now())


def iso_now(seconds):
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def signed_headers(method, request_path, body="", account=None, now=None, demo=False, **override):
    from twisted.internet import reactor

    account = account or default_key(demo)
    timestamp = iso_now(reactor.seconds() if now is None else now)
    headers = {
        "OK-ACCESS-KEY": account.api_key,
        "OK-ACCESS-SIGN": sign(account.secret, timestamp, method, request_path, body),
        "OK-ACCESS-TIMESTAMP": timestamp,
        "OK-ACCESS-PASSPHRASE": account.passphrase,
        "Content-Type": "application/json",
    }
    if demo:
        headers["x-simulated-trading"] = "1"
    headers.update(override)
    return {k: v for k, v in headers.items() if v is not None}


async def call(url, method, request_path, body=None, signed=True, **header_kw):
    """One HTTP call to the emulator; returns (status, parsed JSON or None)."""
    text = json.dumps(body) if body is not None else ""
    headers = signed_headers(method, request_path, text, **header_kw) if signed else {}
    response = await treq.request(method, url + request_path, data=text.encode() or None, headers=headers)
    content = await response.content()
    return response.code, json.loads(content) if content else None


def dec(text):
    return Decimal(text)
