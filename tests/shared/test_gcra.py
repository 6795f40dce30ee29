"""okxbridge/shared/gcra.py: the shared budgets' GCRA never lets more through than OKX's rule."""

import pytest

from okxbridge.okx.limits import Rule
from okxbridge.shared.gcra import gcra_params


@pytest.mark.parametrize("requests, window", [(60, 2), (20, 2), (10, 2), (5, 2), (6, 1), (1, 2), (300, 2), (1000, 2)])
def test_gcra_never_lets_more_than_the_rule_through_in_any_window(requests, window):
    """Arrivals as fast as GCRA allows, then every window (plus the slack) counted."""
    interval, tau = gcra_params(Rule(requests, window, "user"))
    tat, now, granted = 0, 0, []
    while len(granted) < requests * 4:
        tat = max(tat, now)
        if tat - now <= tau:
            granted.append(now)
            tat += interval
        else:
            now = tat - tau
    span = int((window + 0.1) * 1e6)
    worst = max(sum(1 for t in granted if start <= t <= start + span) for start in granted)
    assert worst <= requests
    assert len([t for t in granted if t == 0]) == max(1, requests // 4)  # the burst it allows at once
