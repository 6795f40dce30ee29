"""Issue 24, hardening round two, the rest, through the daemon: what a credential OKX has never
accepted may cost — unresolved order claims (item 4), budgets (item 9) — and file descriptors
kept for OKX when callers hold every connection (item 6)."""

import sqlite3

import pytest_twisted
from twisted.internet.defer import Deferred, gatherResults

from okxbridge.desk.claims import MAX_UNPROVEN

OWNER_SECRET = "okxsim-demo-secret,okxsim-demo-pass"
ORDER = {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1}


def claims_by_state(bridge) -> dict[str, int]:
    with sqlite3.connect(bridge.desk.ledger.health()["path"]) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM claims GROUP BY state").fetchall())


# --- 4. unresolved claims of never-accepted credentials ---------------------------------------

@pytest_twisted.ensureDeferred
async def test_4_never_accepted_credentials_hold_a_capped_number_of_unresolved_claims_per_access_key(
        bridge_and_sim):
    """Junk secrets under the owner's access key, each order's outcome unknown (OKX resets the
    connection; the look-ups are refused): at most MAX_UNPROVEN stay pending, the rest are
    refused after one signed read showed OKX refuses them, and the owner, whom this fresh daemon
    has not seen accepted either, still trades. Past their time the pending ones go."""
    bridge, sim = await bridge_and_sim("--read-attempts", "1")
    bridge.desk.resolve_delays = (0.01, 0.01)  # the look-ups of an unknown outcome, quicker
    placing = sim.add_fault("/api/v5/trade/order", "reset", method="POST", times=1000)
    sim.add_fault("/api/v5/trade/order", "reset", method="GET", times=1000)  # and its look-ups
    answers = await gatherResults([Deferred.fromCoroutine(bridge.call(
        "trade", ORDER, nonce=100 + i, secret_key=f"junk{i},okxsim-demo-pass")) for i in range(MAX_UNPROVEN + 5)])
    assert sum("outcome for order" in a["error"] for a in answers) == MAX_UNPROVEN
    assert sum("50113" in a["error"] for a in answers) == 5  # proven junk by one read each, nothing sent
    assert claims_by_state(bridge) == {"pending": MAX_UNPROVEN}
    assert 1000 - placing.times == MAX_UNPROVEN  # the five past the cap were never sent
    sim.clear_faults()
    refused = await bridge.call("trade", ORDER, nonce=99, secret_key="junk-last,okxsim-demo-pass")
    assert "50113" in refused["error"], refused  # OKX's own word, from /account/config; nothing sent
    placed = await bridge.call("trade", ORDER, nonce=1)
    assert "id" in placed.get("data", {}), placed
    assert claims_by_state(bridge) == {"pending": MAX_UNPROVEN, "done": 1}
    # past the longest a placement can take (made so here), a new claim finds them gone
    with sqlite3.connect(bridge.desk.ledger.health()["path"]) as db:
        db.execute("UPDATE unproven SET expires = expires - 3600")
    again = await bridge.call("trade", ORDER, nonce=200, secret_key="junk-next,okxsim-demo-pass")
    assert "50113" in again["error"], again  # refused by OKX: its claim goes too
    assert claims_by_state(bridge) == {"done": 1}


@pytest_twisted.ensureDeferred
async def test_4_a_junk_secrets_order_of_unknown_outcome_is_settled_by_okxs_refusal_of_its_look_up(
        bridge_and_sim):
    """The look-up is signed like the order: OKX refusing the signature proves the order was
    refused too — nothing placed, and no claim left pending."""
    bridge, sim = await bridge_and_sim()
    bridge.desk.resolve_delays = (0.01, 0.01)
    sim.add_fault("/api/v5/trade/order", "reset", method="POST")
    answer = await bridge.call("trade", ORDER, nonce=7, secret_key="junk,okxsim-demo-pass")
    assert "50113" in answer["error"], answer
    assert claims_by_state(bridge) == {}
    assert sim.request_counts()["/api/v5/trade/order"] == 2  # the order, one look-up


# --- 9. budgets for credentials OKX has not accepted ------------------------------------------

def throttled(answers, what) -> int:
    return sum(what in a.get("error", "") and "not accepted yet" in a["error"] for a in answers)


@pytest_twisted.ensureDeferred
async def test_9_rotating_junk_secrets_get_a_small_global_budget_and_a_share_of_public_ones(bridge_and_sim):
    """A short deadline makes waiting impossible, so what is past a budget is refused at once.
    30 junk secrets' balance reads: 19 reach OKX (the never-accepted budget of 20 per host, the
    owner's first read one of them), 11 are refused unsent; 15 junk order-book reads: 10 of
    OKX's 40 / 2 s (a quarter). The owner, accepted by its first call, spends neither."""
    bridge, sim = await bridge_and_sim("--deadline", "1")
    assert "data" in await bridge.call("accounts")  # OKX accepts the owner
    junk = await gatherResults([Deferred.fromCoroutine(bridge.call("accounts", secret_key=f"junk{i},okxsim-demo-pass"))
                                for i in range(30)])
    # the owner's first read was one of the 20 too: OKX had not accepted it yet then
    assert sim.request_counts()["/api/v5/account/balance"] == 20
    assert throttled(junk, "20/2s per ip") == 11 and sum("50113" in a["error"] for a in junk) == 19
    books = await gatherResults([Deferred.fromCoroutine(bridge.call(
        "depth", {"symbol": "LTC_USDT", "limit": n}, secret_key=f"junk{n},okxsim-demo-pass")) for n in range(1, 16)])
    assert sim.request_counts()["/api/v5/market/books"] == 10 and throttled(books, "10/2s per ip") == 5
    assert "data" in await bridge.call("accounts")  # the owner: its own budget, nothing else
    assert "data" in await bridge.call("depth", {"symbol": "LTC_USDT", "limit": 16})
    assert sim.request_counts()["/api/v5/market/books"] == 11


# --- 6. file descriptors kept for OKX -----------------------------------------------------------

def test_6_idle_sockets_on_the_admin_port_cannot_take_the_descriptors_okx_needs(tmp_path):
    """A daemon allowed 400 open files (prlimit) with the default cap of 1000 per port lowers
    it to fit both ports and OKX's reserve; 450 silent sockets on the admin port then leave the
    protocol port and OKX's connections working. Before, the admin port took every descriptor
    and the call below found none to reach OKX with (or to be accepted). A cap chosen on purpose
    that cannot fit stops the start, saying what to change."""
    import socket
    import subprocess

    from bench.procs import free_port
    from okxbridge.descriptors import reserve
    from tests.e2e.daemons import Bridge, Sim

    class Limited(Bridge):
        def start(self):
            self.starts += 1
            from bench.procs import REPO, env_with, start, twistd, wait_for_port
            argv = ["prlimit", "--nofile=400:400", twistd(), "-n", "--pidfile=", "--logfile",
                    str(self.workdir / f"okxbridge-{self.label}.log"), "okxbridge", "--port",
                    f"tcp:{self.port}:interface=127.0.0.1", "--okx-url", self.sim.url, *self.options]
            self.proc = start(f"okxbridge-{self.label}", argv, self.workdir, env_with(REPO))
            wait_for_port(self.proc, self.port)
            return self.proc

    sim = Sim(tmp_path)
    admin = free_port()
    bridge = Limited(tmp_path, sim, "fd", "--admin-port", f"tcp:{admin}:interface=127.0.0.1",
                     "--state-dir", str(tmp_path))
    silent = []
    try:
        log = (tmp_path / "okxbridge-fd.log").read_text()
        lowered = (400 - reserve(64)) // 2
        assert f"--max-connections lowered from 1000 to {lowered} per port" in log
        for _ in range(450):
            try:
                silent.append(socket.create_connection(("127.0.0.1", admin), timeout=2))
            except OSError:
                break
        answer = bridge.call("ticker", {"symbol": "BTC_USDT"}, nonce=1, timeout=15)
        assert "data" in answer, answer
        assert sim.requests("/api/v5/market/ticker") == 1  # a new connection to OKX was there to be had
    finally:
        for s in silent:
            s.close()
        bridge.stop()
        sim.stop()
    refused = subprocess.run(["prlimit", "--nofile=400:400", sys_twistd(), "-n", "--pidfile=", "okxbridge",
                              "--max-connections", "300", "--state-dir", str(tmp_path)],
                             capture_output=True, text=True, timeout=60, cwd=tmp_path,
                             env=repo_env())
    assert refused.returncode != 0
    assert "--max-connections 300 on 1 port(s) needs 544 open files" in refused.stderr + refused.stdout


def repo_env() -> dict:
    from bench.procs import REPO, env_with
    return env_with(REPO)


def sys_twistd() -> str:
    from bench.procs import twistd
    return twistd()
