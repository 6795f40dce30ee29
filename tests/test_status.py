"""okxbridge/status.py: the status board lists its sections in order and isolates a failing one."""

import pytest
from twisted.internet import task

from okxbridge.status import SCHEMA, NotEnabled, StatusBoard


class Broken:
    status_section = "broken"

    def status(self):
        raise RuntimeError("boom")


class Fixed:
    def __init__(self, name, value):
        self.status_section, self.value = name, value

    def status(self):
        return dict(self.value)


def test_board_lists_sections_in_order_and_isolates_a_failing_one():
    clock = task.Clock()
    clock.advance(12.3456)
    board = StatusBoard(clock, [Fixed("a", {"n": 1}), Broken(), NotEnabled("streams", "not built")])
    report = board.report()
    assert list(report) == ["schema", "time", "a", "broken", "streams"]
    assert report["schema"] == SCHEMA and report["time"] == 12.346
    assert report["a"] == {"enabled": True, "n": 1}
    assert report["broken"] == {"enabled": True, "error": "the broken section could not be read (see the log)"}
    assert report["streams"] == {"enabled": False, "why": "not built"}


@pytest.mark.parametrize("names, message", [
    (["a", "b", "a"], "named twice: a"),
    (["time"], "reserved"),
])
def test_board_refuses_ambiguous_section_names(names, message):
    with pytest.raises(ValueError, match=message):
        StatusBoard(task.Clock(), [Fixed(n, {}) for n in names])
