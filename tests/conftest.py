"""Shared test helpers: where the recorded OKX answers live."""

import json
from pathlib import Path

import pytest
from twisted.logger import formatEvent, globalLogPublisher

#: ccxt's recorded OKX answers, copied into the repository with their MIT notice (see its README)
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "okx-recorded"


def recorded(method: str, index: int = 0) -> dict:
    """One recorded OKX call from ccxt's static tests (see tests/fixtures/okx-recorded/README.md)."""
    with open(FIXTURES / "response.json", encoding="utf-8") as f:
        return json.load(f)["methods"][method][index]


@pytest.fixture
def reactor():
    from twisted.internet import reactor as the_reactor
    return the_reactor


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One real redis-server for the session (see tests/redis_server.py)."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """A fresh database number per test on the session's server (0–15 in turn)."""
    global _next_db
    _next_db = (_next_db + 1) % 16
    assert redis_server.command("FLUSHDB", db=_next_db) == b"+OK"
    return f"redis://127.0.0.1:{redis_server.port}/{_next_db}"


_next_db = 0


@pytest.fixture
def bridge_and_sim(reactor):
    """A real daemon on a loopback port, talking to the emulator over a real socket.

    Yields ``(bridge, emulator)``; stopped afterwards. Async fixtures are awkward in
    pytest-twisted, so tests call the returned starter themselves.
    """
    from okxbridge.sim.testing import start_emulator
    from okxbridge.testing import start_bridge

    started = []

    async def start(*bridge_args, **sim_kwargs):
        sim_kwargs.setdefault("seed", 7)
        running = await start_emulator(reactor, **sim_kwargs)
        bridge = await start_bridge(reactor, running.url, *bridge_args)
        started.append((running, bridge))
        return bridge, running.emulator

    yield start
    import pytest_twisted

    for running, bridge in started:
        pytest_twisted.blockon(Deferred.fromCoroutine(bridge.stop()))
        pytest_twisted.blockon(Deferred.fromCoroutine(running.stop()))


from twisted.internet.defer import Deferred  # noqa: E402

#: the password-protected server's passwords (written to files by the tests that use them)
REDIS_PASSWORD, ACL_USER, ACL_PASSWORD = "s3cret-redis-pw-7f1c", "okxbridge", "acl-pw-90ad2e"


@pytest.fixture(scope="session")
def locked_redis(tmp_path_factory):
    """A real redis-server with ``requirepass`` and an ACL user (tests/redis_server.py)."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("locked-redis"), password=REDIS_PASSWORD,
                         users=((ACL_USER, ACL_PASSWORD),)).start()
    yield server
    server.stop()


@pytest.fixture
def password_file(tmp_path):
    """Writes a password file (first line the password, as an operator would) and returns its path."""
    def write(password: str) -> str:
        path = tmp_path / f"redis-password-{len(list(tmp_path.iterdir()))}"
        path.write_text(password + "\n", encoding="utf-8")
        return str(path)
    return write


@pytest.fixture
def log_lines():
    """Every log event while the test runs, formatted and with its fields (``repr``), for the
    checks that a secret never reaches a log line."""
    lines: list[str] = []
    observer = lambda event: lines.append(formatEvent(event) + repr(event))  # noqa: E731
    globalLogPublisher.addObserver(observer)
    yield lines
    globalLogPublisher.removeObserver(observer)
