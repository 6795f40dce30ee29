"""twistd plugin: ``twistd -n okxsim`` runs the OKX v5 emulator (okxbridge.sim.service)."""

from twisted.application.service import ServiceMaker

okxsim = ServiceMaker(
    "okxsim", "okxbridge.sim.service", "OKX v5 REST emulator for testing okxbridge", "okxsim"
)
