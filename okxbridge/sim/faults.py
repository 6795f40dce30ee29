# -*- test-case-name: tests.sim.test_sim_http -*-
"""Injected failures for testing a client's error paths (POST /__sim__/faults).

``drop_response``: do the work, then cut the connection unanswered (the client
cannot know whether an order was placed); ``reset``: cut it before doing
anything; ``delay``: wait ``seconds`` on the emulator's clock, then do the work and
answer (a caller gone meanwhile cancels it: nothing is done); ``delay_answer``: do the
work at once, answer ``seconds`` later (an order taken whose answer is slow);
``status``: answer an HTTP error with OKX's body for it, without doing the work;
``empty_status``: the same status with an empty body, as a proxy or load balancer in front of
OKX answers (OKX's own errors always carry a JSON body: docs "Error Code"; inferred, not documented).
"""

import attrs

ACTIONS = ("drop_response", "delay", "delay_answer", "status", "empty_status", "reset")
STATUS_CODES = {500: ("50026", "System error. Try again later"),
                503: ("50001", "Service temporarily unavailable. Try again later"),
                429: ("50011", "Too Many Requests"),
                400: ("50000", "Body for POST request cannot be empty."),
                401: ("50113", "Invalid signature."),
                404: ("50005", "API is offline or unavailable."),
                410: ("50005", "API is offline or unavailable.")}


@attrs.define
class Fault:
    path: str
    action: str
    method: str = ""
    seconds: float = 0.0
    status: int = 500
    times: int = 1

    def matches(self, method, path):
        return (self.path == path or self.path == "*") and self.method in ("", method)

    def body(self):
        code, msg = STATUS_CODES.get(self.status, ("50026", "System error. Try again later"))
        return {"code": code, "msg": msg, "data": []}


@attrs.define
class FaultTable:
    faults: list = attrs.field(factory=list)

    def add(self, spec):
        """Add a fault from its JSON form; raises ValueError on a malformed one."""
        action = spec.get("action")
        if action not in ACTIONS or not isinstance(spec.get("path"), str):
            raise ValueError("fault needs a path and an action in " + ", ".join(ACTIONS))
        fault = Fault(
            path=spec["path"], action=action, method=str(spec.get("method", "")).upper(),
            seconds=float(spec.get("seconds", 0)), status=int(spec.get("status", 500)),
            times=int(spec.get("times", 1)),
        )
        self.faults.append(fault)
        return fault

    def clear(self):
        self.faults.clear()

    def take(self, method, path):
        """The first fault applying to this request, using up one of its ``times``."""
        for fault in self.faults:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None
