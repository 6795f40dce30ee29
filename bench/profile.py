"""``python -m bench --profile``: where the daemon's CPU goes under load.

The daemon runs under twistd's own profiler option (``--profile FILE --profiler cprofile
--savestats``, so cProfile from the standard library, nothing to install); the load is
ticker, accounts and trade+cancel at concurrency 16 against the emulator at 0 ms. The
stats are written when twistd stops (SIGTERM) and summarised by ``pstats``.
"""

from __future__ import annotations

import io
import pstats
import time
from pathlib import Path

from bench import procs

CALLS = ("ticker", "accounts", "trade_cancel")


def run(workdir: Path, args, seconds: float = 6.0, top: int = 30) -> str:
    stats_file = Path(__file__).resolve().parent / "results" / "okxbridge.prof"  # kept for pstats; not committed
    stats_file.parent.mkdir(exist_ok=True)
    stats_file.unlink(missing_ok=True)
    sim, sim_port, count_port = procs.start_emulator(workdir, 0)
    loadgen = procs.LoadGen(workdir)
    lines = []
    try:
        port = procs.free_port()
        argv = [procs.twistd(), "-n", "--pidfile=", "--logfile", str(workdir / "okxbridge-profile.log"),
                "--profile", str(stats_file), "--profiler", "cprofile", "--savestats", "okxbridge",
                "--port", f"tcp:{port}:interface=127.0.0.1", "--okx-url", f"http://127.0.0.1:{sim_port}",
                "--no-rate-limits", *args.daemon_option]
        daemon = procs.start("okxbridge-profile", argv, workdir, procs.env_with(procs.REPO))
        procs.wait_for_port(daemon, port)
        price = procs.passive_price(sim_port)
        total = 0
        for call in CALLS:
            result = loadgen.run(target="bridge", host="127.0.0.1", port=port, call=call, concurrency=16,
                                 price=price, duration=seconds)
            total += result["calls"]
            lines.append(f"{call}: {result['calls']} calls, {result['calls_per_s']}/s under the profiler, "
                         f"{result['errors']} errors")
        daemon.stop()
        for _ in range(50):
            if stats_file.exists():
                break
            time.sleep(0.1)
    finally:
        loadgen.close()
        sim.stop()
    out = io.StringIO()
    stats = pstats.Stats(str(stats_file), stream=out)
    stats.strip_dirs()
    out.write(f"\n== top {top} by own time (tottime), {total} calls ==\n")
    stats.sort_stats("tottime").print_stats(top)
    out.write(f"\n== top {top} by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(top)
    return "\n".join(lines) + "\n" + out.getvalue()
