# -*- test-case-name: tests.okx.test_limits_agree, tests.sim.test_sim_ccxt_suite, tests.sim.test_sim_clients -*-
"""okxsim: an OKX v5 REST emulator, part of okxbridge's product.

It is an independent reading of OKX's rules (it imports nothing from the
bridge's own OKX client), so tests of the bridge can run without a network and
still notice where the bridge misreads OKX.

    from okxbridge.sim import Emulator, SimAccount, DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT
    emu = Emulator(clock=reactor, accounts=[DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT], seed=1)
    site = Site(emu.resource())
"""

from okxbridge.sim.auth import DEFAULT_ACCOUNT, DEFAULT_ACCOUNTS, DEFAULT_DEMO_ACCOUNT, SimAccount
from okxbridge.sim.emulator import Emulator

__all__ = ["DEFAULT_ACCOUNT", "DEFAULT_ACCOUNTS", "DEFAULT_DEMO_ACCOUNT", "Emulator", "SimAccount"]
