# -*- test-case-name: tests.sim.test_sim_ws_private -*-
"""The order operations of the emulator's ``/ws/v5/private`` (``order``, ``batch-orders``,
``cancel-order``, ``batch-cancel-orders``, ``amend-order``; see :mod:`okxbridge.sim.ws_private`): checked,
counted against the REST endpoints' budgets, then executed by the REST handlers' own code."""

import json
import re

from okxbridge.sim import amend_api, expiry, limits, trade_api
from okxbridge.sim.errors import ApiRejection
from okxbridge.sim.params import order_request
from okxbridge.sim.ws_account import AccountCall

OPS = {"order": "/api/v5/trade/order", "batch-orders": "/api/v5/trade/batch-orders",
       "cancel-order": "/api/v5/trade/cancel-order", "batch-cancel-orders": "/api/v5/trade/cancel-batch-orders",
       # docs #order-book-trading-trade-ws-amend-order: the REST amend's fields, its 60/2s budget
       "amend-order": "/api/v5/trade/amend-order"}
REQUEST_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
BATCH_MAX = 20
RATE_LIMITED = ("50011", "Rate limit reached. Please refer to API documentation and throttle requests accordingly.")


class OrderOperations:
    """Part of :class:`okxbridge.sim.ws_private.PrivateChannels`: its ``hub``, ``emu``,
    ``sessions``, ``lose_answers`` and ``publish`` are used here."""

    def operate(self, conn, session, op, args, req_id, exp_time):
        """An order operation, after the emulator's ``latency`` as on REST (the way to the
        matching engine and back costs the same on either transport)."""
        latency = self.emu.latency
        if latency > 0:
            self.emu.clock.callLater(latency, self._operate, conn, session, op, args, req_id, exp_time)
        else:
            self._operate(conn, session, op, args, req_id, exp_time)

    def _operate(self, conn, session, op, args, req_id, exp_time):
        if conn not in self.sessions:
            return  # the connection closed meanwhile: never executed
        req_id = str(req_id) if isinstance(req_id, (str, int)) and not isinstance(req_id, bool) else ""
        if session.account is None:
            self.hub.error(conn, "60011", "Please log in", req_id or None)
            return
        batch = op.startswith("batch")
        if (not REQUEST_ID.match(req_id) or not isinstance(args, list) or not args
                or not all(isinstance(a, dict) for a in args) or len(args) > (BATCH_MAX if batch else 1)):
            self._answer(conn, {"id": req_id, "op": op, "code": "60013", "msg": "Invalid args", "data": []})
            return
        fault = self.emu.faults.take("POST", OPS[op],
                                     accept=lambda f: f.action == "hold" or (f.action == "status" and bool(f.code)))
        if fault is not None and fault.action == "hold":  # queued at OKX: runs even if the connection closes
            self.emu.clock.callLater(fault.seconds, self._run, conn, session, op, args, req_id, exp_time, True)
        else:
            self._run(conn, session, op, args, req_id, exp_time, False, fault)

    def _run(self, conn, session, op, args, req_id, exp_time, held, fault=None):
        emu = self.emu
        in_time = int(emu.clock.seconds() * 1_000_000)
        now = emu.now()
        instruments = emu.instruments()
        codes = {inst.code_in(session.demo): inst.inst_id for inst in instruments.values()}
        codes.pop(None, None)
        params = [_with_inst_id(arg, codes) for arg in args]
        user = f"{session.account.account_id}|{int(session.demo)}"
        path = OPS[op]
        inst_ids = [p.get("instId", "") for p in params] if op.startswith("batch") else None
        late = expiry.refusal(exp_time, now, held) if path in expiry.PATHS else None
        if held:
            emu.faults.count_held(late)
        if late is not None:  # docs #overview-transaction-timeouts: not processed
            items = [_failed(p, op, *late, now) for p in params]
        elif not emu.limiter.allow("POST", path, "ws", user, params[0], inst_ids):
            items = [_failed(p, op, *RATE_LIMITED, now) for p in params]
        elif not limits.sub_account_allows(emu.limiter, "POST", path, user, params[0], inst_ids):
            items = [_failed(p, op, *limits.SUB_ACCOUNT_REFUSAL, now) for p in params]
        else:
            items = self._execute(session, op, params, now, instruments) if fault is None or fault.done else []
        if fault is not None:  # the item carries OKX's code, whatever was done
            items = [_failed(p, op, fault.code, fault.body()["msg"], now) for p in params]
        code, msg = trade_api.WriteResult(items).code
        answer = {"id": req_id, "op": op, "code": code, "msg": "" if code == "0" else msg, "data": items,
                  "inTime": str(in_time), "outTime": str(int(emu.clock.seconds() * 1_000_000))}
        if conn not in self.sessions:
            self.publish()  # held past the connection's end: done, the answer has nowhere to go
            return
        if self.lose_answers > 0:
            self.lose_answers -= 1
            self.publish()
            conn.dropConnection(abort=True)
            return
        self._answer(conn, answer)
        self.publish()

    def _execute(self, session, op, params, now, instruments):
        emu = self.emu
        emu.sync()
        call = AccountCall(emu=emu, state=emu.state(session.account.api_key, session.demo), now=now,
                           instruments=instruments)
        items = []
        for p in params:
            try:
                if op in ("order", "batch-orders"):
                    items.append(trade_api._place_one(call, order_request(p)))
                elif op == "amend-order":
                    items.append(amend_api.amend_one(call, p))
                else:
                    items.append(trade_api._cancel_one(call, p))
            except ApiRejection as rejection:
                items.append(_failed(p, op, rejection.code, rejection.msg, now))
        return items

    def _answer(self, conn, answer):
        self.hub.send(conn, json.dumps(answer))


def _with_inst_id(arg, codes):
    """The op's arg with ``instId`` filled from ``instIdCode`` (which wins, docs
    #order-book-trading-trade-ws-place-order and the 2026 changelog deprecating instId)."""
    params = {k: v for k, v in arg.items() if k != "instIdCode"}
    code = arg.get("instIdCode")
    if code not in (None, ""):
        try:
            params["instId"] = codes.get(int(code), f"instIdCode {code}")
        except (TypeError, ValueError):
            params["instId"] = f"instIdCode {code}"
    return params


def _failed(params, op, code, msg, now):
    names_order = "cancel" in op or "amend" in op
    item = {"clOrdId": str(params.get("clOrdId", "")), "ordId": str(params.get("ordId", "")) if names_order else "",
            "sCode": code, "sMsg": msg, "ts": str(int(now * 1000))}
    if "amend" in op:
        item["reqId"] = str(params.get("reqId", ""))
    elif "cancel" not in op:
        item.update(tag=str(params.get("tag", "")), subCode="")
    return item
