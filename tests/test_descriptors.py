"""okxbridge/descriptors.py: the open-files limit holds every port's connections and OKX's own."""

import pytest

from okxbridge.descriptors import MIN_CONNECTIONS, DescriptorShortage, fit, reserve


class Limits:
    def __init__(self, soft, hard, raisable=True):
        self.soft, self.hard, self.raisable = soft, hard, raisable

    def get(self):
        return self.soft, self.hard

    def set(self, soft, hard):
        if not self.raisable:
            raise ValueError("not permitted")
        self.soft = soft


def plan(limits, connections=1000, ports=1, chosen=False):
    return fit(connections, ports, 64, chosen, get=limits.get, set_=limits.set)


def test_enough_room_changes_nothing():
    assert plan(Limits(20000, 20000)).max_connections == 1000


def test_the_soft_limit_is_raised_towards_the_hard_one_when_that_is_enough():
    limits = Limits(1024, 524288)
    assert plan(limits, ports=2).max_connections == 1000
    assert limits.soft == 2 * 1000 + reserve(64)


@pytest.mark.parametrize("raisable", [True, False])
def test_the_default_cap_is_lowered_to_fit_a_low_hard_limit(raisable):
    limits = Limits(1024, 1024, raisable)
    fitted = plan(limits, ports=2)
    assert fitted.max_connections == (1024 - reserve(64)) // 2 and fitted.needed <= 1024


def test_a_chosen_cap_that_cannot_fit_is_refused_naming_what_to_change():
    with pytest.raises(DescriptorShortage, match=r"needs 2244 open files .* may open 1024 \(hard limit 1024\).*"
                                                 r"LimitNOFILE=.*--max-connections 390 or less"):
        plan(Limits(1024, 1024), ports=2, chosen=True)


def test_too_little_room_even_for_a_small_cap_is_refused():
    with pytest.raises(DescriptorShortage):
        plan(Limits(reserve(64) + MIN_CONNECTIONS - 1, reserve(64) + MIN_CONNECTIONS - 1))
