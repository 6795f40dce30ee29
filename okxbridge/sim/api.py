# -*- test-case-name: tests.sim.test_sim_history, tests.test_registries -*-
"""HTTP face of the emulator: OKX's /api/v5 routes and the /__sim__ controls.

One pipeline serves every /api/v5 call, in OKX's order: count it, apply
latency and any injected fault, parse, authenticate (private paths), apply the
rate limit, let resting orders catch up with the market, run the handler, and
write the envelope. ApiRejection becomes OKX's body and HTTP status in one place.
"""

import json

import attrs
from klein import Klein
from twisted.internet import defer, task
from twisted.logger import Logger

from okxbridge.sim import (
    account_api,
    algo_amend,
    algo_api,
    amend_api,
    expiry,
    history_api,
    limits,
    market_api,
    trade_api,
)
from okxbridge.sim.auth import authenticate
from okxbridge.sim.errors import ApiRejection
from okxbridge.sim.instruments import catalogue
from okxbridge.sim.numbers import parse_decimal

ROUTES = {**market_api.ROUTES, **account_api.ROUTES, **trade_api.ROUTES, **amend_api.ROUTES, **history_api.ROUTES,
          **algo_api.ROUTES, **algo_amend.ROUTES}
PUBLIC_PREFIXES = ("/api/v5/market/", "/api/v5/public/", "/api/v5/system/")
#: OKX's gateway on a path it does not serve: HTTP 404 and this body (the shape ccxt's users
#: saw from OKX's gateway, ccxt issue #6116); not 50005 "API is offline", which clients such
#: as ccxt read as an outage and retry
NOT_FOUND = {"code": 404, "data": {}, "detailMsg": "No message available", "msg": "Not Found"}
#: array bodies, each item counted against its instId's budget (cancel-algos: "20 orders per 2 seconds")
BATCH_PATHS = ("/api/v5/trade/batch-orders", "/api/v5/trade/cancel-batch-orders", "/api/v5/trade/cancel-algos")
TOO_MANY = {"code": "50011", "msg": "Too Many Requests", "data": []}


@attrs.frozen
class SimRequest:
    """What a handler gets: parsed params, the caller's account state, the time."""

    emu: object
    params: dict
    body: object
    state: object
    now: float
    instruments: dict
    #: ``x-simulated-trading: 1``: the demo environment (its own instIdCodes)
    demo: bool = False
    #: the signing key (keys of one account share ``state`` but not their permissions)
    api_key: str = ""

    @property
    def walk(self):
        return self.emu.walk


def _json(request, body, status=200):
    request.setResponseCode(status)
    request.setHeader(b"content-type", b"application/json")
    return json.dumps(body).encode()


def _cut(request):
    """Close the connection without an answer; the client sees a reset / EOF."""
    request.channel.transport.abortConnection()
    return defer.Deferred()


def _raw_body(request):
    if request.content is None:
        return ""
    request.content.seek(0)
    return request.content.read().decode()


def _params(request, method, raw):
    if method == "GET":
        return {k.decode(): v[0].decode() for k, v in request.args.items() if v}, None
    if not raw.strip():
        return {}, None
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiRejection("50002", "JSON syntax error") from None
    return (body if isinstance(body, dict) else {}), body


def _envelope(result, in_time, clock):
    """OKX's answer: a write's top code from its items (and, for order writes, ``inTime``/
    ``outTime`` in µs), or a read's data under code "0"."""
    if not isinstance(result, trade_api.WriteResult):
        return {"code": "0", "msg": "", "data": result}
    code, msg = result.code
    envelope = {"code": code, "data": result.items, "msg": msg}
    if result.timed:
        envelope.update(inTime=str(in_time), outTime=str(int(clock.seconds() * 1_000_000)))
    return envelope


@attrs.define(eq=False)
class EmulatorSite:
    app = Klein()
    log = Logger()

    emu: object

    @app.handle_errors(ApiRejection)
    def okx_error(self, request, failure):
        error = failure.value
        return _json(request, error.body(), error.status)

    @app.route("/api/v5/", branch=True, methods=["GET", "POST"])
    async def api(self, request):
        emu = self.emu
        method = request.method.decode()
        path = request.path.decode()
        emu.count(path)
        if emu.latency > 0:
            await task.deferLater(emu.clock, emu.latency, lambda: None)
        fault = emu.faults.take(method, path)
        if fault is not None:
            self.log.info("okxsim fault {action} on {method} {path}", action=fault.action, method=method, path=path)
            if fault.action == "reset":
                return await _cut(request)
            if fault.action == "status":
                if fault.done:  # the work is done, the answer still the error
                    self._answer(request, method, path)
                return _json(request, fault.body(), fault.status)
            if fault.action == "empty_status":
                request.setResponseCode(fault.status)
                return b""
            if fault.action == "delay":
                await task.deferLater(emu.clock, fault.seconds, lambda: None)
            if fault.action == "hold":
                return await self._held(request, method, path, fault.seconds)
        body = self._answer(request, method, path)
        if fault is not None and fault.action == "drop_response":
            return await _cut(request)
        if fault is not None and fault.action == "delay_answer":
            await task.deferLater(emu.clock, fault.seconds, lambda: None)
        return body

    def _held(self, request, method, path, seconds):
        """The ``hold`` fault: queued at OKX, the request runs after ``seconds`` even if its
        caller hung up meanwhile (only the answer is lost then), checked against its expTime."""
        answer = defer.Deferred(lambda d: None)
        raw = _raw_body(request) if method == "POST" else ""  # the body is gone once the caller is

        def run():
            try:
                result = self._answer(request, method, path, held=True, raw=raw)
            except ApiRejection as error:
                result = _json(request, error.body(), error.status)
            if not answer.called:
                answer.callback(result)
        self.emu.clock.callLater(seconds, run)
        return answer

    def _answer(self, request, method, path, held=False, raw=None):
        emu = self.emu
        handler = ROUTES.get((method, path))
        if handler is None:
            if any(m == method for m, p in ROUTES if p == path) or not any(p == path for _, p in ROUTES):
                return _json(request, NOT_FOUND, 404)
            return _json(request, {"code": "50115", "msg": "Invalid request method.", "data": []}, 405)
        if raw is None:
            raw = _raw_body(request) if method == "POST" else ""
        params, body = _params(request, method, raw)
        now = emu.now()
        demo = request.getHeader("x-simulated-trading") == "1"
        state, user, api_key = None, "", ""
        ip = request.getClientAddress().host
        if not path.startswith(PUBLIC_PREFIXES):
            headers = {k.decode().lower(): v[0].decode() for k, v in request.requestHeaders.getAllRawHeaders()}
            account = authenticate(headers, method, request.uri.decode(), raw, emu.account_map(), now, demo)
            if not emu.ip_allowed(account.api_key, ip):
                raise ApiRejection("50110", f"Your IP {ip} is not included in your API key's IP whitelist.")
            state, api_key = emu.state(account.api_key, demo), account.api_key
            # OKX #overview-rate-limits: private limits are per User ID, not per API key, so
            # every key of one account spends the same budget (spec "Verified…" §9)
            user = f"{account.account_id}|{int(demo)}"
        inst_ids = [item.get("instId", "") for item in body if isinstance(item, dict)] if (
            path in BATCH_PATHS and isinstance(body, list)) else None
        late = expiry.refusal(request.getHeader("expTime"), now, held) if path in expiry.PATHS else None
        if held:
            emu.faults.count_held(late)
        if late is not None:  # docs #overview-transaction-timeouts: not processed
            return _json(request, {"code": late[0], "msg": late[1], "data": []})
        if not emu.limiter.allow(method, path, ip, user, params, inst_ids):
            return _json(request, TOO_MANY, 429)
        if not limits.sub_account_allows(emu.limiter, method, path, user, params, inst_ids):
            code, msg = limits.SUB_ACCOUNT_REFUSAL
            return _json(request, {"code": code, "msg": msg, "data": []}, 429)
        emu.sync()
        call = SimRequest(emu=emu, params=params, body=body, state=state, now=now, instruments=catalogue(now),
                          demo=demo, api_key=api_key)
        in_time = int(emu.clock.seconds() * 1_000_000)
        result = handler(call)
        if state is not None:
            emu.ws.private.publish()  # OKX pushes every account change on /private, however made
            emu.ws.algo.publish()  # and every algo order's on /business
        envelope = _envelope(result, in_time, emu.clock)
        self.log.debug("okxsim {method} {path} {code}", method=method, path=path, code=envelope["code"])
        return _json(request, envelope)

    # -- /__sim__ controls --------------------------------------------------------
    def _control_body(self, request):
        self.emu.count(request.path.decode())
        try:
            return json.loads(request.content.read() or b"{}")
        except ValueError:
            return None

    @app.route("/__sim__/faults", methods=["POST"])
    def add_fault(self, request):
        spec = self._control_body(request)
        try:
            fault = self.emu.faults.add(spec if isinstance(spec, dict) else {})
        except (ValueError, TypeError) as error:
            return _json(request, {"ok": False, "error": str(error)}, 400)
        return _json(request, {"ok": True, "fault": attrs.asdict(fault)})

    @app.route("/__sim__/faults", methods=["DELETE"])
    def clear_faults(self, request):
        self._control_body(request)
        self.emu.clear_faults()
        return _json(request, {"ok": True})

    @app.route("/__sim__/faults", methods=["GET"])
    def list_faults(self, request):
        self._control_body(request)
        return _json(request, {"faults": [attrs.asdict(f) for f in self.emu.faults.faults]})

    @app.route("/__sim__/price", methods=["POST"])
    def set_price(self, request):
        spec = self._control_body(request) or {}
        price = parse_decimal(spec.get("price"))
        if price is None or price <= 0 or self.emu.instrument(str(spec.get("instId"))) is None:
            return _json(request, {"ok": False, "error": "need a known instId and a positive price"}, 400)
        self.emu.set_price(spec["instId"], price)
        return _json(request, {"ok": True, "instId": spec["instId"], "last": str(self.emu.price(spec["instId"]))})

    @app.route("/__sim__/book", methods=["POST"])
    def set_book(self, request):
        """``{"instId", "crossed": true|false}``: a pre-open auction's crossed book, or its end."""
        spec = self._control_body(request) or {}
        if not isinstance(spec, dict) or not isinstance(spec.get("crossed"), bool):
            return _json(request, {"ok": False, "error": "need a known instId and crossed true or false"}, 400)
        try:
            self.emu.set_crossed(str(spec.get("instId")), spec["crossed"])
        except KeyError:
            return _json(request, {"ok": False, "error": "need a known instId and crossed true or false"}, 400)
        return _json(request, {"ok": True, "instId": spec["instId"], "crossed": spec["crossed"]})

    @app.route("/__sim__/ws", methods=["POST"])
    def ws_fault(self, request):
        """WebSocket faults: drop, silence, resume, skip_seq, delay (see okxbridge.sim.ws)."""
        spec = self._control_body(request)
        try:
            self.emu.ws.fault(spec if isinstance(spec, dict) else {})
        except (ValueError, TypeError) as error:
            return _json(request, {"ok": False, "error": str(error)}, 400)
        return _json(request, {"ok": True, **self.emu.ws.stats()})

    @app.route("/__sim__/ws", methods=["GET"])
    def ws_stats(self, request):
        self._control_body(request)
        return _json(request, self.emu.ws.stats())

    @app.route("/__sim__/orders", methods=["GET"])
    def orders(self, request):
        self._control_body(request)
        return _json(request, {"orders": self.emu.orders()})

    @app.route("/__sim__/algos", methods=["GET"])
    def algo_orders(self, request):
        self._control_body(request)
        return _json(request, {"algos": self.emu.algo_orders()})

    @app.route("/__sim__/requests", methods=["GET"])
    def requests(self, request):
        self._control_body(request)
        return _json(request, {"requests": self.emu.request_counts()})

    @app.route("/__sim__/clock", methods=["POST"])
    def clock(self, request):
        spec = self._control_body(request) or {}
        try:
            self.emu.clock_offset = float(spec.get("offset", 0))
        except (TypeError, ValueError):
            return _json(request, {"ok": False, "error": "offset must be a number of seconds"}, 400)
        return _json(request, {"ok": True, "offset": self.emu.clock_offset, "now": self.emu.now()})
