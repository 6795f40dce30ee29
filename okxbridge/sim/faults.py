# -*- test-case-name: tests.sim.test_sim_expiry -*-
"""Injected failures for testing a client's error paths (POST /__sim__/faults).

``drop_response``: do the work, then cut the connection unanswered (the client
cannot know whether an order was placed); ``reset``: cut it before doing
anything; ``delay``: wait ``seconds`` on the emulator's clock, then do the work and
answer (a caller gone meanwhile cancels it: nothing is done); ``delay_answer``: do the
work at once, answer ``seconds`` later (an order taken whose answer is slow);
``status``: answer an HTTP error with OKX's body for it, without doing the work (``code``:
answer that OKX code instead of the status's own, e.g. 51149 with 500; ``done``: do the work
first — OKX's "does not mean that the request was successful or failed"; a fault with a
``code`` applies to the private WebSocket's order operations too, as the item's ``sCode``);
``hold``: the request is queued at OKX for ``seconds``, then executed whether or not its
caller is still there — unless its ``expTime`` has passed by then (answered 50037, see
:mod:`okxbridge.sim.expiry`); on REST and on the private WebSocket's order operations.
``empty_status``: the same status with an empty body, as a proxy or load balancer in front of
OKX answers (OKX's own errors always carry a JSON body: docs "Error Code"; inferred, not documented).
"""

import attrs

ACTIONS = ("drop_response", "delay", "delay_answer", "status", "empty_status", "reset", "hold")
STATUS_CODES = {500: ("50026", "System error. Try again later"),
                503: ("50001", "Service temporarily unavailable. Try again later"),
                429: ("50011", "Too Many Requests"),
                400: ("50000", "Body for POST request cannot be empty."),
                401: ("50113", "Invalid signature."),
                404: ("50005", "API is offline or unavailable."),
                410: ("50005", "API is offline or unavailable.")}
#: OKX codes a ``status`` fault may name with ``code`` (docs #error-code-rest-api-public,
#: #error-code-websocket-public; spec okx-v5.md §6, §10)
CODE_MESSAGES = {"51149": "Order timed out. Please try again.", "50004": "API endpoint request timeout.",
                 "64007": "Operation failed due to WebSocket internal error.", "50061":
                 "You've reached the maximum order rate limit for this account.",
                 "50011": "Rate limit reached. Please refer to API documentation and throttle requests accordingly.",
                 "50013": "Systems are busy. Please try again later.", "50026": "System error. Try again later"}


@attrs.define
class Fault:
    path: str
    action: str
    method: str = ""
    seconds: float = 0.0
    status: int = 500
    times: int = 1
    code: str = ""
    done: bool = False

    def matches(self, method, path):
        return (self.path == path or self.path == "*") and self.method in ("", method)

    def body(self):
        code, msg = STATUS_CODES.get(self.status, ("50026", "System error. Try again later"))
        if self.code:
            code, msg = self.code, CODE_MESSAGES[self.code]
        return {"code": code, "msg": msg, "data": []}


@attrs.define
class FaultTable:
    faults: list = attrs.field(factory=list)
    #: requests the ``hold`` fault let run late ("executed") or discarded ("expired")
    held: dict = attrs.field(factory=lambda: {"executed": 0, "expired": 0})

    def count_held(self, refusal):
        """Count one held request coming due, by what became of it (``refusal``: its expTime's)."""
        self.held["executed" if refusal is None else "expired"] += 1

    def add(self, spec):
        """Add a fault from its JSON form; raises ValueError on a malformed one."""
        action = spec.get("action")
        if action not in ACTIONS or not isinstance(spec.get("path"), str):
            raise ValueError("fault needs a path and an action in " + ", ".join(ACTIONS))
        if str(spec.get("code", "")) not in ("", *CODE_MESSAGES):
            raise ValueError("a fault's code is one of " + ", ".join(CODE_MESSAGES))
        fault = Fault(
            path=spec["path"], action=action, method=str(spec.get("method", "")).upper(),
            seconds=float(spec.get("seconds", 0)), status=int(spec.get("status", 500)),
            times=int(spec.get("times", 1)), code=str(spec.get("code", "")), done=bool(spec.get("done", False)),
        )
        self.faults.append(fault)
        return fault

    def clear(self):
        self.faults.clear()

    def take(self, method, path, accept=lambda fault: True):
        """The first fault applying to this request, using up one of its ``times``;
        ``accept``: only faults it accepts (the WebSocket applies ``hold`` and coded ``status``)."""
        for fault in self.faults:
            if fault.matches(method, path) and accept(fault):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None
