"""Real ``twistd okxbridge`` / ``twistd okxsim`` processes for the kill -9 and multi-instance
tests (imported as tests.e2e.daemons). Built on bench.procs, which starts the
benchmark's daemons the same way."""

from __future__ import annotations

import json
import signal
import urllib.request
from pathlib import Path

from bench.procs import REPO, Proc, env_with, free_port, start, twistd, wait_for_port
from okxbridge.call_client import request_body

SECRET = "okxsim-demo-secret,okxsim-demo-pass"
#: okxsim's default demo-trading key (a key of its own, as OKX's demo keys are), as FMZ sends it
DEMO = {"access_key": "okxsim-demo-trading-key",
        "secret_key": "okxsim-demo-trading-secret,okxsim-demo-trading-pass,simulate"}


class Sim:
    def __init__(self, workdir: Path, *options: str):
        self.port = free_port()
        argv = [twistd(), "-n", "--pidfile=", "--logfile", str(workdir / "okxsim.log"), "okxsim",
                "--port", f"tcp:{self.port}:interface=127.0.0.1", "--seed", "7", *options]
        self.proc = start("okxsim", argv, workdir, env_with(REPO))
        wait_for_port(self.proc, self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=5) as r:
            return json.loads(r.read())

    def send(self, verb: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=verb)
        with urllib.request.urlopen(request, timeout=5) as r:
            return json.loads(r.read())

    def orders(self, cl_ord_id: str | None = None) -> list[dict]:
        rows = self.get("/__sim__/orders")["orders"]
        return [o for o in rows if cl_ord_id is None or o["clOrdId"] == cl_ord_id]

    def requests(self, path: str) -> int:
        return self.get("/__sim__/requests")["requests"].get(path, 0)

    def fault(self, **spec) -> None:
        assert self.send("POST", "/__sim__/faults", spec)["ok"]

    def clear_faults(self) -> None:
        self.send("DELETE", "/__sim__/faults")

    def stop(self) -> None:
        stop(self.proc)


class Bridge:
    """``twistd -n okxbridge`` on a free port, its log in ``workdir``."""

    def __init__(self, workdir: Path, sim: Sim, label: str, *options: str):
        self.workdir, self.sim, self.label, self.options = workdir, sim, label, options
        self.port = free_port()
        self.starts = 0
        self.proc: Proc = self.start()

    def start(self) -> Proc:
        self.starts += 1
        argv = [twistd(), "-n", "--pidfile=", "--logfile", str(self.workdir / f"okxbridge-{self.label}.log"),
                "okxbridge", "--port", f"tcp:{self.port}:interface=127.0.0.1", "--okx-url", self.sim.url,
                *self.options]
        self.proc = start(f"okxbridge-{self.label}-{self.starts}", argv, self.workdir, env_with(REPO))
        wait_for_port(self.proc, self.port)
        return self.proc

    def call(self, method: str, params: dict, nonce: int, timeout: float = 30, secret: str = SECRET) -> dict:
        body = request_body("okxsim-demo-key", secret, method, params, nonce)
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/OKX", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return json.loads(r.read())

    def health(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as r:
            return json.loads(r.read())

    def kill9(self) -> None:
        self.proc.popen.send_signal(signal.SIGKILL)
        self.proc.popen.wait(10)

    def stop(self) -> None:
        stop(self.proc)


def stop(proc: Proc) -> None:
    proc.stop()
