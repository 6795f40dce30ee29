"""The benchmark still runs: every piece (emulator, daemon, naive plugin, load generator,
counted endpoint, report) for a handful of calls. Structure only — never timings."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_bench_run_writes_every_cell(tmp_path):
    out, docs = tmp_path / "latest.json", tmp_path / "benchmarks.md"
    subprocess.run([sys.executable, "-m", "bench", "--quick", "--latencies", "0", "--concurrency", "2",
                    "--out", str(out), "--docs", str(docs)], cwd=REPO, check=True, timeout=120,
                   capture_output=True)
    result = json.loads(out.read_text())
    assert {"command", "date", "machine", "cells", "summary", "memory"} <= set(result)
    assert {"nproc", "cpu", "python"} <= set(result["machine"])
    cells = {(c["call"], c["target"]): c for c in result["cells"]}
    calls = ("ticker", "depth", "accounts", "trade_cancel")
    assert set(cells) == {(call, target) for call in calls for target in ("direct", "bridge", "naive")}
    for (call, target), cell in cells.items():
        assert cell["errors"] == 0, cell["error_samples"]
        assert cell["calls"] == (4 if call == "trade_cancel" else 2)  # 2 connections × one operation
        assert {"calls_per_s", "p50_us", "p99_us", "upstream_connections", "upstream_requests"} <= set(cell)
        if target != "direct":
            assert {"cpu_us_per_call", "upstream_connections_per_1000", "upstream_requests_per_call"} <= set(cell)
    # every bridge call reached the emulator (ticker and depth may share one request)
    assert cells[("accounts", "bridge")]["upstream_requests"] == 2
    assert cells[("trade_cancel", "bridge")]["upstream_requests"] == 4
    assert 1 <= cells[("ticker", "bridge")]["upstream_requests"] <= 2
    # the naive plugin opens one upstream connection per OKX request, as written
    assert cells[("accounts", "naive")]["upstream_connections"] == 2
    rows = result["summary"]["rows"]
    assert {r["call"] for r in rows} == set(calls)
    assert all({"added_p50_us", "added_p99_us", "bridge_over_naive"} <= set(r) for r in rows)
    assert "| ticker | 2 |" in docs.read_text()
    # streaming: the stream-served daemon and the floor for ticker and depth, no REST request per call
    streamed = {(c["call"], c["target"]): c for c in result["streaming"]["cells"]}
    assert set(streamed) == {(call, target) for call in ("ticker", "depth") for target in ("stream", "floor")}
    assert all(c["errors"] == 0 for c in streamed.values())
    assert (streamed[("ticker", "stream")]["upstream_requests"] == 0
            == streamed[("depth", "stream")]["upstream_requests"])
    staleness = result["streaming"]["staleness"][0]
    assert staleness["moves"] == 5 and staleness["rest_requests"] == 0 and staleness["p50_us"] > 0
    assert "push-to-answer" in docs.read_text()
    # the charts are drawn beside the docs and shown above the tables
    assert (tmp_path / "charts" / "bench-0ms.png").stat().st_size > 10_000
    assert docs.read_text().index("](charts/bench-0ms.png)") < docs.read_text().index("| ticker | 2 |")


def test_quick_ledger_bench_measures_every_store(tmp_path):
    out, docs = tmp_path / "ledger.json", tmp_path / "benchmarks.md"
    subprocess.run([sys.executable, "-m", "bench", "--only", "ledger", "--quick", "--out", str(out),
                    "--docs", str(docs)], cwd=REPO, check=True, timeout=180, capture_output=True)
    ledger = json.loads(out.read_text())["ledger"]
    assert set(ledger["store"]) == {"memory", "sqlite", "sqlite-full", "redis"}
    assert all({"p50_us", "p99_us"} <= set(row) for row in ledger["store"].values())
    rows = {(r["ledger"], r["concurrency"]) for r in ledger["end_to_end"]}
    assert rows == {(k, c) for k in ledger["store"] for c in (1, 16)}
    assert all(r["errors"] == 0 and r["calls"] > 0 for r in ledger["end_to_end"])
    assert "| sqlite-full |" in docs.read_text()
