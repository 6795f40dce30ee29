# -*- test-case-name: tests.sim.test_sim_history, tests.sim.test_sim_modes -*-
"""OKX errors as values: the one exception type the emulator's handlers raise.

``api`` turns it into OKX's envelope and HTTP status in exactly one place.
HTTP statuses follow the docs' error table (spec §1, §6).
"""

import attrs

STATUS = {
    "50000": 400, "50002": 400, "50004": 400, "50006": 400, "50014": 400, "50015": 400,
    "50016": 400, "51000": 400, "50001": 503, "50005": 410, "50011": 429, "50013": 429,
    "50026": 500, "50100": 400, "50115": 405, "50035": 403,
}
STATUS.update({str(code): 401 for code in range(50101, 50115)})


@attrs.frozen
class ApiRejection(Exception):
    """A whole-call failure: ``{"code": code, "msg": msg, "data": []}`` with OKX's HTTP status."""

    code: str
    msg: str

    @property
    def status(self):
        return STATUS.get(self.code, 200)

    def body(self):
        return {"code": self.code, "msg": self.msg, "data": []}


def param_error(name):
    return ApiRejection("51000", f"Parameter {name} error")


def missing(name):
    return ApiRejection("50014", f"Parameter {name} can not be empty.")
