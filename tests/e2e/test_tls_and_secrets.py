"""TLS is always verified (``--okx-ca`` only changes whom to trust), and no secret — API secret,
passphrase, or any OK-ACCESS-SIGN sent — ever reaches a log line, a traceback included."""

import datetime
import ipaddress
import json

import pytest_twisted
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from twisted.logger import formatEvent, globalLogPublisher

from okxbridge.logs import event_as_json
from okxbridge.sim.testing import start_emulator
from okxbridge.testing import start_bridge

SECRET, PASSPHRASE = "okxsim-demo-secret", "okxsim-demo-pass"


def self_signed(directory, name="127.0.0.1"):
    """A throwaway certificate for 127.0.0.1 (IP SAN, so hostname checking applies to it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(name))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "okx-cert.pem", directory / "okx-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@pytest_twisted.ensureDeferred
async def test_tls_trusts_the_given_bundle_and_nothing_else(reactor, tmp_path):
    cert, key = self_signed(tmp_path)
    (tmp_path / "other").mkdir()
    other_cert, _ = self_signed(tmp_path / "other")
    okx = await start_emulator(reactor, tls_cert=cert, tls_key=key, seed=3)
    trusted = await start_bridge(reactor, okx.url, "--okx-ca", cert)
    default_trust = await start_bridge(reactor, okx.url)
    wrong_ca = await start_bridge(reactor, okx.url, "--okx-ca", other_cert)
    try:
        assert okx.url.startswith("https://")
        answer = await trusted.call("ticker", {"symbol": "BTC_USDT"})
        assert answer["data"]["symbol"] == "BTC_USDT"
        assert "data" in await trusted.call("accounts")  # signed calls too
        for bridge in (default_trust, wrong_ca):
            answer = await bridge.call("ticker", {"symbol": "BTC_USDT"})
            assert set(answer) == {"error"}
            assert answer["error"].startswith("OKX unreachable:")
            assert "certificate verify failed" in answer["error"], answer
    finally:
        for bridge in (trusted, default_trust, wrong_ca):
            await bridge.stop()
        await okx.stop()


@pytest_twisted.ensureDeferred
async def test_tls_checks_the_host_name_too(reactor, tmp_path):
    # a certificate we trust, but for another address than the one dialled
    cert, key = self_signed(tmp_path, name="127.0.0.2")
    okx = await start_emulator(reactor, tls_cert=cert, tls_key=key)
    bridge = await start_bridge(reactor, okx.url, "--okx-ca", cert)
    try:
        answer = await bridge.call("ticker", {"symbol": "BTC_USDT"})
        assert set(answer) == {"error"} and "OKX unreachable" in answer["error"]
        assert "VerificationError" in answer["error"] and "Mismatch" in answer["error"]
    finally:
        await bridge.stop()
        await okx.stop()


class SignatureRecorder:
    """Wraps the bridge's HTTP client and keeps every OK-ACCESS-SIGN it sends."""

    def __init__(self, http):
        self.http, self.signs = http, []

    def request(self, method, url, **kwargs):
        self.signs.extend(s.decode() for s in kwargs["headers"].getRawHeaders(b"OK-ACCESS-SIGN", []))
        return self.http.request(method, url, **kwargs)


def everything_logged(event) -> str:
    """All a log observer could write for this event: text, JSON form, fields, traceback."""
    parts = [formatEvent(event), event_as_json(event)]
    parts.extend(f"{k}={v!r}" for k, v in event.items())
    failure = event.get("log_failure")
    if failure is not None:
        parts.append(failure.getTraceback())
    return "\n".join(parts)


@pytest_twisted.ensureDeferred
async def test_a_whole_session_logs_no_secret(reactor):
    okx = await start_emulator(reactor, seed=5)
    events = []
    globalLogPublisher.addObserver(events.append)  # every level, debug included
    bridge = await start_bridge(reactor, okx.url)
    client = bridge.bridge.client  # record at the client's HTTP object, where requests are final
    recorder = client.transport.http = SignatureRecorder(client.transport.http)
    try:
        calls = [
            ("ticker", {"symbol": "BTC_USDT"}),
            ("accounts", {}),
            ("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 1000, "amount": 0.01}),
            ("orders", {"symbol": "BTC_USDT"}),
            ("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 1000, "amount": 1e-9}),  # below minimum
            ("order", {"id": "BTC-USDT,999999"}),  # OKX error
            ("cancel", {"id": "garbage"}),
            ("_api/api/v5/account/config", {}),
            ("GetWhatever", {}),
        ]
        answers = [await bridge.call(m, p) for m, p in calls]
        answers.append(await bridge.call("accounts", secret_key=f"{SECRET}x,{PASSPHRASE}"))  # wrong secret
        answers.append(await bridge.call("accounts", secret_key=f"{SECRET}"))  # malformed secret_key
        answers.append(await bridge.post(json.dumps({"secret_key": f"{SECRET},{PASSPHRASE}"}).encode()))
        assert any("data" in a for a in answers) and any("error" in a for a in answers)
        # a bug inside a handler: its traceback is logged; the call's values must not be in it
        bridge.app.methods.handlers["ticker"] = lambda call, trace: 1 / 0
        answers.append(await bridge.call("ticker", {"symbol": "BTC_USDT"}))
        assert answers[-1]["error"].startswith("internal error in okxbridge: ZeroDivisionError")
    finally:
        await bridge.stop()
        await okx.stop()
        globalLogPublisher.removeObserver(events.append)
    logged = "\n".join(everything_logged(e) for e in events)
    assert "call trade BTC_USDT" in logged and "Traceback" in logged  # the capture did see the session
    for answer in answers:  # and no answer echoes a secret either
        assert SECRET not in json.dumps(answer) and PASSPHRASE not in json.dumps(answer)
    assert SECRET not in logged
    assert PASSPHRASE not in logged
    assert len(recorder.signs) >= 4  # accounts, trade, orders, order, IO … were signed
    for sign in recorder.signs:
        assert sign not in logged
