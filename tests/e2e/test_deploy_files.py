"""etc/: the supervisor program and the systemd unit start the daemon exactly as written —
the command is read from each file and run (venv and config paths swapped for this checkout),
the daemon answers the protocol, and SIGTERM stops it cleanly."""

import configparser
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ETC = REPO / "etc"
INSTALLED_BIN = "/opt/okxbridge/venv/bin/"
INSTALLED_CONFIG = "/etc/okxbridge/okxbridge.ini"


def supervisor_command() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ETC / "supervisor" / "okxbridge.conf")
    program = parser["program:okxbridge"]
    assert program["stopsignal"] == "TERM" and program["autorestart"] == "true"
    return program["command"]


def systemd_command() -> str:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(ETC / "systemd" / "okxbridge.service")
    assert parser["Service"]["KillSignal"] == "SIGTERM"
    assert parser["Install"]["WantedBy"] == "multi-user.target"
    return parser["Service"]["ExecStart"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_config(tmp_path: Path, port: int) -> Path:
    """The shipped example config, pointed at a free port and at an OKX that isn't there."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ETC / "okxbridge.ini")
    section = parser["okxbridge"]
    assert section["port"] == "tcp:6666:interface=127.0.0.1"  # the example stays loopback-only
    section["port"] = f"tcp:{port}:interface=127.0.0.1"
    section["okx_url"] = "http://127.0.0.1:9"
    path = tmp_path / "okxbridge.ini"
    with open(path, "w") as f:
        parser.write(f)
    return path


def ask(port: int) -> dict:
    body = json.dumps({"access_key": "k", "secret_key": "s,p", "method": "NoSuchMethod", "nonce": 1, "params": {}})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/OKX", data=body.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=2) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("read_command", [supervisor_command, systemd_command])
def test_daemon_runs_as_the_deploy_files_say(read_command, tmp_path):
    command = read_command()
    assert "--pidfile= " in command and "--logfile -" in command and " okxbridge " in command
    assert command.startswith(INSTALLED_BIN + "twistd ")
    port = free_port()
    argv = [arg.replace(INSTALLED_BIN, os.path.dirname(sys.executable) + "/")
               .replace(INSTALLED_CONFIG, str(local_config(tmp_path, port)))
            for arg in shlex.split(command)]
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    daemon = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, answer = time.monotonic() + 20, None
        while answer is None and time.monotonic() < deadline and daemon.poll() is None:
            try:
                answer = ask(port)
            except OSError:
                time.sleep(0.1)
        assert answer is not None, daemon.stdout.read().decode() if daemon.poll() is not None else "no answer"
        assert "unknown method 'NoSuchMethod'" in answer["error"]
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=20)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    # twistd shuts down in order, then re-raises the signal it got so a supervisor sees "stopped by
    # SIGTERM" (systemd counts that as a clean exit; supervisord expects it when it asked)
    assert daemon.returncode in (0, -signal.SIGTERM), output.decode()
    assert list(tmp_path.glob("*.pid")) == []  # --pidfile= : no pid file left behind
    assert (tmp_path / "okxbridge-ledger.sqlite3").exists()  # the ledger in the working directory
    lines = [json.loads(line) for line in output.decode().splitlines()]  # log_format = json: every line
    texts = [line["text"] for line in lines]
    assert any("call NoSuchMethod" in t and "error" in t for t in texts)
    assert any("Received SIGTERM" in t for t in texts) and "Server Shut Down." in texts[-1]
