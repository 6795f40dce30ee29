"""twistd plugin: ``twistd -n okxbridge --port 6666`` (real code in okxbridge.service)."""

from twisted.application.service import ServiceMaker

okxbridge = ServiceMaker(
    "okxbridge",
    "okxbridge.service",
    "FMZ Quant custom-protocol bridge to OKX v5",
    "okxbridge",
)
