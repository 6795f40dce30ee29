# -*- test-case-name: tests.sim.test_ws_algo -*-
"""The ``orders-algo`` channel on the emulator's ``/ws/v5/business`` (docs
#order-book-trading-algo-trading-ws-algo-orders-channel: "URL Path /ws/v5/business (required
login)"; OKX moved the algo channels there from /private, spec okx-ws.md §1).

- ``login`` on /business is the /private login (same sign, same codes, see
  :mod:`okxbridge.sim.ws_private`); a subscription before it: 60011 "Please log in";
- args ``{"channel": "orders-algo", "instType": SPOT|MARGIN|SWAP|FUTURES|ANY, "instFamily"?,
  "instId"?}``; ``instType`` is required (60013 "Invalid args" without it);
- "Data will not be pushed when first subscribed. Data will only be pushed when there are order
  updates": every change of an algo order of the account (placed, amended, fired, failed,
  canceled), however made, is pushed to each subscription it matches, with the subscribing
  account's ``uid`` in ``arg``;
- on /private, ``orders-algo`` is an unknown channel (60018, as for any channel of another path).
"""

import json

import attrs

from okxbridge.sim.account_api import _uid
from okxbridge.sim.ws_private import Session, _matches

CHANNEL = "orders-algo"
INST_TYPES = ("ANY", "SPOT", "MARGIN", "SWAP", "FUTURES")


@attrs.define(eq=False)
class AlgoChannel:
    hub: object
    sessions: dict = attrs.field(factory=dict)   # business connection -> Session
    #: (account id, demo) -> {algoId: push key} as last told to that account's subscribers
    told: dict = attrs.field(factory=dict)

    @property
    def emu(self):
        return self.hub.emu

    def closed(self, conn):
        self.sessions.pop(conn, None)

    def subscribed(self):
        return any(session.subs for session in self.sessions.values())

    def login(self, conn, args):
        session = self.sessions.setdefault(conn, Session(demo=conn.demo))
        arg = args[0] if isinstance(args, list) and args and isinstance(args[0], dict) else {}
        code, msg = self.hub.private.login_error(arg, conn.demo)
        if code is None:
            session.account = self.emu.account_map()[arg["apiKey"]]
            self.hub.send(conn, json.dumps({"event": "login", "code": "0", "msg": "", "connId": conn.conn_id}))
        else:
            self.hub.send(conn, json.dumps({"event": "error", "code": code, "msg": msg, "connId": conn.conn_id}))

    def subscribe(self, conn, arg, req_id, op):
        session = self.sessions.setdefault(conn, Session(demo=conn.demo))
        if session.account is None:
            self.hub.error(conn, "60011", "Please log in", req_id)
            return
        if arg.get("instType") not in INST_TYPES:
            self.hub.error(conn, "60013", f"Invalid args: {json.dumps(arg)}", req_id)
            return
        wanted = {k: v for k, v in arg.items() if k in ("channel", "instType", "instFamily", "instId")}
        session.subs = [s for s in session.subs if s != wanted]
        ack = {"event": op, "arg": wanted, "connId": conn.conn_id}
        self.hub.send(conn, json.dumps({"id": req_id, **ack} if req_id is not None else ack))
        if op == "unsubscribe":
            return
        self.publish()  # earlier subscribers hear of earlier changes; the new one starts from now
        owner = (session.account.account_id, session.demo)
        if not any(s.subs for s in self._listening(owner)):
            self.told[owner] = self._keys(session)
        session.subs.append(wanted)
        self.hub._ensure_loop()

    def _listening(self, owner):
        return [s for s in self.sessions.values()
                if s.account is not None and (s.account.account_id, s.demo) == owner]

    def _state(self, session):
        return self.emu.state(session.account.api_key, session.demo)

    def _keys(self, session):
        return {algo.algo_id: algo.push_key() for algo in self._state(session).algos.values()}

    def publish(self):
        """Push every algo order that changed since the last look to the subscriptions it matches."""
        if not self.subscribed():
            return
        for session in list(self.sessions.values()):
            if not session.subs:
                continue
            owner = (session.account.account_id, session.demo)
            if owner not in self.told:
                self.told[owner] = self._keys(session)
        for owner, told in self.told.items():
            listeners = [(conn, s) for conn, s in self.sessions.items()
                         if s.subs and s.account is not None and (s.account.account_id, s.demo) == owner]
            if not listeners:
                continue
            state = self._state(listeners[0][1])
            changed = [a for a in sorted(state.algos.values(), key=lambda a: a.algo_id)
                       if told.get(a.algo_id) != a.push_key()]
            for algo in changed:
                told[algo.algo_id] = algo.push_key()
            for conn, session in listeners:
                for arg in session.subs:
                    data = [a.to_push() for a in changed if _matches(arg, a.inst, a.inst_type)]
                    if data:
                        full = {**arg, "uid": _uid(session.account.api_key)}
                        self.hub.send(conn, json.dumps({"arg": full, "data": data}))
