"""``counted:PORT:interface=ADDR:report=RPORT``, a TCP listening endpoint that counts the
connections it accepts and tells the count to anyone who connects to ``RPORT``.

The benchmark runs ``twistd -n okxsim --port counted:…`` with this directory on
PYTHONPATH, so the emulator is measured unmodified and with no proxy hop in front of it:
the daemon's upstream connections per call are counted where they are accepted.
"""

from twisted.internet import endpoints, protocol
from twisted.internet.interfaces import IStreamServerEndpoint, IStreamServerEndpointStringParser
from twisted.plugin import IPlugin
from zope.interface import implementer


class CountingFactory:
    """Stands in for the real factory; the protocols it builds still belong to that factory."""

    def __init__(self, factory):
        self.factory = factory
        self.accepted = 0

    def buildProtocol(self, addr):
        self.accepted += 1
        return self.factory.buildProtocol(addr)

    def __getattr__(self, name):
        return getattr(self.factory, name)


class TellCount(protocol.Protocol):
    def connectionMade(self):
        self.transport.write(b"%d\n" % self.factory.counting.accepted)
        self.transport.loseConnection()


@implementer(IStreamServerEndpoint)
class CountedEndpoint:
    def __init__(self, reactor, port, interface, report):
        self.reactor, self.port, self.interface, self.report = reactor, port, interface, report

    async def _listen(self, factory):
        counting = CountingFactory(factory)
        teller = protocol.Factory.forProtocol(TellCount)
        teller.counting = counting
        teller.noisy = False
        await endpoints.TCP4ServerEndpoint(self.reactor, self.report, interface=self.interface).listen(teller)
        return await endpoints.TCP4ServerEndpoint(self.reactor, self.port, interface=self.interface).listen(counting)

    def listen(self, factory):
        from twisted.internet.defer import Deferred
        return Deferred.fromCoroutine(self._listen(factory))


@implementer(IPlugin, IStreamServerEndpointStringParser)
class CountedParser:
    prefix = "counted"

    def parseStreamServer(self, reactor, port, interface="127.0.0.1", report="0"):
        return CountedEndpoint(reactor, int(port), interface, int(report))


counted = CountedParser()
