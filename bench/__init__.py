"""okxbridge's benchmark: ``python -m bench`` (or ``tox -e bench``).

Separate processes, as in production: the OKX emulator (``twistd okxsim``), the daemon
(``twistd okxbridge``), a naive serial FMZ plugin (:mod:`bench.naive_plugin`) and a load
generator (:mod:`bench.loadgen`). :mod:`bench.run` drives them and writes
``bench/results/latest.json`` and ``docs/benchmarks.md``.
"""
