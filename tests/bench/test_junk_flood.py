"""bench/junk_flood.py in CI, scaled down (its 11,000-call figures are in docs/fuzzing.md): junk
credentials with 60 kB bodies leave the daemon's memory where it was, and a 2,900-item batch
is refused locally, naming OKX's limit."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_short_junk_credential_flood_leaves_no_memory_behind(tmp_path):
    out = tmp_path / "junk.json"
    run = subprocess.run([sys.executable, "-m", "bench.junk_flood", "--count", "1500", "--after", "1",
                          "--json", str(out)], cwd=REPO, env={"PATH": "", "PYTHONPATH": str(REPO)},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["daemon_alive"] and report["prober_errors"] == 0
    assert report["flood"]["answers"] == {"OKX 50111: Invalid OK-AC": 1500}
    # before the fix each refused credential pinned ~170 kB (1500 calls: ~250 MB)
    assert report["rss_kb"]["growth"] < 50_000, report["rss_kb"]
    assert "2900 items in the array; OKX's batch endpoints take at most 20" in report["batch_2900"]["answer"]
