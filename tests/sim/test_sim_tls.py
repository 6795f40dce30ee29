"""HTTPS: the emulator serves TLS when given a certificate and key."""

import datetime
import ipaddress

import pytest_twisted
import treq
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from twisted.internet import ssl
from twisted.web.client import Agent, BrowserLikePolicyForHTTPS

from okxbridge.sim.testing import start_emulator


def self_signed(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "cert.pem").write_bytes(cert_pem)
    (directory / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    return directory / "cert.pem", directory / "key.pem", cert_pem


@pytest_twisted.ensureDeferred
async def test_https_with_a_trusted_self_signed_certificate(reactor, tmp_path):
    cert, key, pem = self_signed(tmp_path)
    running = await start_emulator(reactor, tls_cert=str(cert), tls_key=str(key))
    try:
        assert running.url.startswith("https://127.0.0.1:")
        policy = BrowserLikePolicyForHTTPS(trustRoot=ssl.Certificate.loadPEM(pem))
        client = treq.client.HTTPClient(Agent(reactor, contextFactory=policy))
        response = await client.get(running.url + "/api/v5/public/time")
        assert (await response.json())["code"] == "0"
    finally:
        await running.stop()
