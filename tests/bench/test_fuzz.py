"""bench/fuzz.py in CI: the runner ``tox -e fuzz`` uses, on a short run (its full 10⁵-case
figures are in docs/fuzzing.md). The daemon, the emulator and the timed normal call run as
separate processes, as in the full run; no crash and no answer that is not JSON."""

import json
import subprocess
import sys
from pathlib import Path

from bench.fuzz import FLOOD

REPO = Path(__file__).resolve().parents[2]


def test_a_short_fuzz_run_finds_no_crash_and_no_non_json_answer(tmp_path):
    out = tmp_path / "fuzz.json"
    run = subprocess.run([sys.executable, "-m", "bench.fuzz", "--count", "2000", "--quiet", "--json", str(out)],
                         cwd=REPO, env={"PATH": "", "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                         timeout=300)
    report = json.loads(out.read_text())
    assert report["crashes"] == 0, (report["internal_errors"], report["log_problems"], run.stderr[-2000:])
    assert report["non_json"] == 0, report["non_json_examples"]
    assert not report["daemon_exited"]
    assert report["normal_calls"]["calls"] > 0 and report["normal_calls"]["failed"] == 0
    # every kind of case was sent, the abuses included, and the daemon's limits answered them
    assert sum(report["sent"].values()) >= 2000 + FLOOD
    assert {"413", "408", "400", "503"} <= set(report["statuses"])
