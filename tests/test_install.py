"""The install instruction in docs/operating.md, ``pip install /path/to/okxbridge``, tried for real:
pip builds okxbridge from this checkout through the PEP 517 backend that ``pyproject.toml``
declares, and the result — with this checkout nowhere on the path — has the package, the
okxsim emulator and both twistd plugins."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_pip_install_from_a_checkout_ships_the_package_and_its_twistd_plugins(tmp_path):
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(target), str(REPO)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-2000:]
    assert "setup.py install" not in build.stderr  # the deprecated legacy path is not taken
    assert (target / "twisted" / "plugins" / "okxbridge_plugin.py").is_file()
    assert (target / "twisted" / "plugins" / "okxsim_plugin.py").is_file()
    assert not (target / "tests").exists() and not (target / "bench").exists()
    assert (target / "okxbridge" / "status.html").is_file()  # the page GET /status serves

    # the installed copy alone: run from an empty directory, the checkout off the path
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    script = ("import okxbridge, okxbridge.sim, sys; from twisted.plugin import getPlugins; "
              "from twisted.application.service import IServiceMaker; "
              "print(okxbridge.__file__); print(sorted(p.tapname for p in getPlugins(IServiceMaker)))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    location, plugins = run.stdout.splitlines()
    assert location.startswith(str(target))
    assert "'okxbridge'" in plugins and "'okxsim'" in plugins
