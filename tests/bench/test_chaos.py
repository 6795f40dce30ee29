"""bench/chaos.py, 30 seconds of it (CI's short soak): strategy workers trade through a real
daemon while okxsim fails at random and the daemon is killed with -9 and restarted; no order
may be doubled, answered with another id than the exchange's, or refused while it exists."""

import json
import subprocess
import sys

from tests.bench.test_smoke import REPO


def test_a_short_soak_leaves_every_order_exactly_once(tmp_path):
    out = tmp_path / "chaos.json"
    done = subprocess.run([sys.executable, "-m", "bench.chaos", "--setup", "rest", "--seconds", "30",
                           "--workers", "4", "--json", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=240)
    [result] = json.loads(out.read_text())
    assert result["trades"] > 50 and result["faults"].get("kill -9") == 1, result
    assert (result["doubled"], result["differing"], result["ghosts"]) == ([], [], []), result
    assert result["open_orders_match"], result
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
