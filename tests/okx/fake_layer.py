"""A scripted inner layer for testing one layer of the OKX client alone, on task.Clock."""

from typing import Any

import attrs
from twisted.internet.defer import Deferred, fail, succeed

from okxbridge.okx.call import OkxCall
from okxbridge.okx.envelope import OkxReply


def reply(*data: Any) -> OkxReply:
    return OkxReply(list(data), {"code": "0", "msg": "", "data": list(data)})


@attrs.define
class Inner:
    """``answers`` in order, one per call: an OkxReply, an Exception, or a Deferred the test
    fires itself; the last one repeats."""

    answers: list = attrs.Factory(lambda: [reply({})])
    calls: list[OkxCall] = attrs.Factory(list)

    def send(self, call: OkxCall) -> Deferred[OkxReply]:
        self.calls.append(call)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            return fail(answer)
        if isinstance(answer, Deferred):
            return answer
        return succeed(answer)


def failure_of(d: Deferred):
    failures = []
    d.addErrback(failures.append)
    return failures[0] if failures else None
