# -*- test-case-name: tests.sim.test_sim_ws_private -*-
"""The emulator's ``/ws/v5/private``: login, the account channels and the order operations.

Modelled on docs #overview-websocket-login, #error-code-websocket-public,
#trading-account-websocket-*, #order-book-trading-trade-ws-* (spec okx-ws.md §2, §4, §6, §8):

- ``login``: ``sign = Base64(HMAC_SHA256(secret, timestamp + "GET" + "/users/self/verify"))``,
  ``timestamp`` in Unix seconds (a string as documented, or a JSON int as python-okx sends),
  valid 30 s either side of the emulator's clock. Failures: 60004 unparsable timestamp,
  60006 expired, 60005 unknown key, 60024 wrong passphrase, 60007 wrong sign, 60009 anything
  else (and the ``reject_login`` fault). Repeated logins on one socket are accepted.
- Demo trading: OKX serves it on another host (``wspap.okx.com``); the emulator takes a
  ``Host`` starting with ``wspap``, ccxt's sandbox marker ``?brokerId=9999`` or an
  ``x-simulated-trading: 1`` upgrade header as the demo environment.
- Channels ``account`` (``ccy``?), ``positions`` and ``orders`` (``instType`` required, ANY
  allowed; ``instFamily``/``instId`` optional) and ``balance_and_position``; before login →
  60011. ``account``/``positions``/``balance_and_position`` push a snapshot at once,
  ``orders`` nothing until an order changes; account and positions again every 5 s (OKX's
  periodic snapshots, which carry the current equity and unrealised pnl). Events follow
  every change of the account, however it was made (REST, this socket, a fill as the
  market moves).
- ``order``/``batch-orders``/``cancel-order``/``batch-cancel-orders``: ``id`` required;
  the instrument by ``instIdCode`` (wins) or the deprecated ``instId``; per-item ``sCode``,
  top ``code`` "0"/"1"/"2", ``inTime``/``outTime`` in µs; counted against the same
  per-instrument budgets as the REST endpoints (docs #overview-rate-limits: "shared").
- at most ``channel_conns`` (``--ws-channel-conns``, OKX's 30) connections of one account
  and environment on one private channel: the next subscription is acknowledged, then
  ended with ``{"event": "channel-conn-count-error", "channel", "connCount", "connId"}``.
"""

import base64
import hashlib
import hmac
import json

import attrs

from okxbridge.sim.account_api import _uid
from okxbridge.sim.auth import WRONG_ENVIRONMENT
from okxbridge.sim.ws_account import AccountWatch, balance_and_position
from okxbridge.sim.ws_orders import OPS, OrderOperations

LOGIN_WINDOW = 30.0
#: OKX's account and positions channels push a full snapshot now and then besides the events
#: (docs #trading-account-websocket-positions-channel: updateInterval, default about 5 s)
PERIODIC_SECONDS = 5.0
PRIVATE_CHANNELS = ("account", "positions", "orders", "balance_and_position")
INST_TYPES = ("ANY", "SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION")


def login_sign(secret, timestamp):
    """The ``sign`` of a WebSocket login (the same rule the bridge and the tests use)."""
    digest = hmac.new(secret.encode(), f"{timestamp}GET/users/self/verify".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def is_demo(request):
    """Whether an upgrade request (autobahn ConnectionRequest) opens the demo environment."""
    host = (request.host or "").lower()
    brokers = request.params.get("brokerId", [])
    return host.startswith("wspap") or "9999" in brokers or request.headers.get("x-simulated-trading") == "1"


@attrs.define(eq=False)
class Session:
    demo: bool = False
    account: object = None
    subs: list = attrs.field(factory=list)   # the args as subscribed (dicts)
    #: emulator time of the last snapshot push, per subscribed arg (json) of account/positions
    snapped: dict = attrs.field(factory=dict)


def _matches(arg, inst, listed=""):
    """Whether a row on ``inst`` (listed under instType ``listed``: a cross spot order is
    MARGIN, see :func:`okxbridge.sim.orders.listed_inst_type`) falls in a subscription."""
    inst_type = arg.get("instType", "ANY")
    if inst_type not in ("ANY", listed or inst.inst_type):
        return False
    if arg.get("instFamily") and arg["instFamily"] != inst.underlying:
        return False
    return not arg.get("instId") or arg["instId"] == inst.inst_id


@attrs.define(eq=False)
class PrivateChannels(OrderOperations):
    hub: object
    sessions: dict = attrs.field(factory=dict)
    watches: dict = attrs.field(factory=dict)
    #: fault counters (POST /__sim__/ws): refuse logins, lose the answer of order ops
    #: (the op is executed, then the connection drops), lose private pushes
    reject_logins: int = 0
    lose_answers: int = 0
    skip_pushes: int = 0

    @property
    def emu(self):
        return self.hub.emu

    def opened(self, conn, demo):
        self.sessions[conn] = Session(demo=demo)

    def closed(self, conn):
        self.sessions.pop(conn, None)

    def subscribed(self):
        return any(session.subs for session in self.sessions.values())

    # -- requests ------------------------------------------------------------------
    def received(self, conn, request, text):
        session = self.sessions.setdefault(conn, Session())
        op, args, req_id = request.get("op"), request.get("args"), request.get("id")
        if op == "login":
            self.login(conn, session, args)
        elif op in ("subscribe", "unsubscribe"):
            if not isinstance(args, list) or not args or not all(isinstance(a, dict) for a in args):
                self.hub.error(conn, "60012", f"Invalid request: {text}", req_id)
            elif session.account is None:
                self.hub.error(conn, "60011", "Please log in", req_id)
            else:
                for arg in args:
                    self.subscribe(conn, session, arg, req_id, op)
        elif op in OPS:
            self.operate(conn, session, op, args, req_id, request.get("expTime"))
        else:
            self.hub.error(conn, "60019", f"Invalid op: op :{op}", req_id)

    def login(self, conn, session, args):
        arg = args[0] if isinstance(args, list) and args and isinstance(args[0], dict) else {}
        code, msg = self.login_error(arg, conn.demo)
        if code is None:
            session.account = self.emu.account_map()[arg["apiKey"]]
            self.watch(session)
            self.hub.send(conn, json.dumps({"event": "login", "code": "0", "msg": "", "connId": conn.conn_id}))
        else:
            self.hub.send(conn, json.dumps({"event": "error", "code": code, "msg": msg, "connId": conn.conn_id}))

    def login_error(self, arg, demo):
        if self.reject_logins > 0:
            self.reject_logins -= 1
            return "60009", "Login failed."
        key, passphrase, sign, ts = (arg.get(k) for k in ("apiKey", "passphrase", "sign", "timestamp"))
        if not all(isinstance(v, str) and v for v in (key, passphrase, sign)) or ts is None:
            return "60009", "Login failed."
        try:
            moment = float(ts) if isinstance(ts, (int, str)) and not isinstance(ts, bool) else None
        except ValueError:
            moment = None
        if moment is None:
            return "60004", "Invalid timestamp"
        if abs(moment - self.emu.now()) > LOGIN_WINDOW:
            return "60006", "Timestamp request expired"
        account = self.emu.account_map().get(key)
        if account is None:
            return "60005", "Invalid OK-ACCESS-KEY"
        if not hmac.compare_digest(passphrase.encode(), account.passphrase.encode()):
            return "60024", "Wrong passphrase"
        if not hmac.compare_digest(sign.encode(), login_sign(account.secret, str(ts)).encode()):
            return "60007", "Invalid sign"
        if account.demo != demo:  # a demo key on the live host, or the reverse: OKX's REST code and text
            return WRONG_ENVIRONMENT
        return None, ""

    def watch(self, session):
        key = (session.account.account_id, session.demo)
        if key not in self.watches:
            self.watches[key] = AccountWatch(self.emu, self.emu.state(session.account.api_key, session.demo))
        return self.watches[key]

    def subscribe(self, conn, session, arg, req_id, op):
        channel = arg.get("channel")
        if channel not in PRIVATE_CHANNELS:
            self.hub.error(conn, "60018", f"Wrong URL or channel:{channel},instId:{arg.get('instId')} doesn't "
                           "exist. Please use the correct URL, channel and parameters referring to API document.",
                           req_id)
            return
        if channel in ("positions", "orders") and arg.get("instType") not in INST_TYPES:
            self.hub.error(conn, "60013", f"Invalid args: {json.dumps(arg)}", req_id)  # instType is required
            return
        wanted = {k: v for k, v in arg.items() if k in ("channel", "instType", "instFamily", "instId", "ccy")}
        session.subs = [s for s in session.subs if s != wanted]
        ack = {"event": op, "arg": wanted, "connId": conn.conn_id}
        self.hub.send(conn, json.dumps({"id": req_id, **ack} if req_id is not None else ack))
        if op == "unsubscribe":
            return
        if self._over_channel_limit(session, channel):
            # docs #overview-websocket-connection-count-limit: at most N connections of one
            # sub-account per private channel; the next is acknowledged, then ended with this event
            self.hub.send(conn, json.dumps({"event": "channel-conn-count-error", "channel": channel,
                                            "connCount": str(self.hub.channel_conns), "connId": conn.conn_id}))
            return
        session.subs.append(wanted)
        self.publish()  # earlier subscribers hear of earlier changes before the new snapshot
        watch, now = self.watch(session), self.emu.now()
        if channel in ("account", "positions"):
            self.snapshot(conn, session, wanted, watch, now)
        elif channel == "balance_and_position":
            self.push(conn, session, wanted, [balance_and_position(watch, now, "snapshot")])
        self.hub._ensure_loop()

    def _over_channel_limit(self, session, channel):
        owner = (session.account.account_id, session.demo)
        holding = sum(1 for other in self.sessions.values() if other is not session and other.account is not None
                      and (other.account.account_id, other.demo) == owner
                      and any(sub["channel"] == channel for sub in other.subs))
        return holding >= self.hub.channel_conns

    def snapshot(self, conn, session, arg, watch, now):
        """The whole account / every position, at subscribe time and then every
        :data:`PERIODIC_SECONDS` (OKX's periodic pushes: ``eventType`` "snapshot")."""
        session.snapped[json.dumps(arg, sort_keys=True)] = now
        if arg["channel"] == "account":
            summary = watch.balance(now)
            if arg.get("ccy"):
                summary["details"] = [d for d in summary["details"] if d["ccy"] == arg["ccy"]]
            data = [summary]
        else:
            data = [r for r in watch.position_rows(now) if _matches(arg, self.emu.instrument(r["instId"]) or _Unknown)]
        self.push(conn, session, arg, data, eventType="snapshot", curPage=1, lastPage=True)

    def push(self, conn, session, arg, data, **extra):
        full = {**arg, "uid": _uid(session.account.api_key)}
        self.hub.send(conn, json.dumps({"arg": full, **extra, "data": data}))

    # -- pushes -------------------------------------------------------------------------
    def publish(self):
        """Push every account change since the last check to the sessions subscribed to it."""
        if not self.subscribed():
            return
        self.emu.sync()
        now = self.emu.now()
        for (account_id, demo), watch in self.watches.items():
            listeners = [(conn, s) for conn, s in self.sessions.items()
                         if s.subs and s.account is not None and (s.account.account_id, s.demo) == (account_id, demo)]
            orders, account, positions = watch.changes(now)
            for conn, session in listeners:
                for arg in session.subs:
                    if orders or account or positions:
                        self._push_changes(conn, session, arg, watch, now, orders, account, positions)
                    last = session.snapped.get(json.dumps(arg, sort_keys=True))
                    if last is not None and now - last >= PERIODIC_SECONDS:
                        self.snapshot(conn, session, arg, watch, now)

    def _push_changes(self, conn, session, arg, watch, now, orders, account, positions):
        channel = arg["channel"]
        emu = self.emu
        if channel == "orders":
            data = [o for o in orders if _matches(arg, emu.instrument(o["instId"]) or _Unknown, o.get("instType", ""))]
            extra = {}
        elif channel == "account" and account is not None:
            details = [d for d in account["details"] if not arg.get("ccy") or d["ccy"] == arg["ccy"]]
            data = [{**account, "details": details}] if details else []
            extra = {"eventType": "event_update", "curPage": 1, "lastPage": True}
        elif channel == "positions":
            data = [r for r in positions if _matches(arg, emu.instrument(r["instId"]) or _Unknown)]
            extra = {"eventType": "event_update", "curPage": 1, "lastPage": True}
        elif channel == "balance_and_position" and (watch.cash_moved or positions):
            data = [balance_and_position(watch, now, "filled", watch.cash_moved, positions)]
            extra = {}
        else:
            return
        if not data:
            return
        if self.skip_pushes > 0:
            self.skip_pushes -= 1
            return
        self.push(conn, session, arg, data, **extra)


class _Unknown:
    inst_type = ""
    underlying = ""
    inst_id = ""
