"""The README is a landing page and docs/ holds the rest (issue 28): the first screen has the two
set-up commands and FMZ's settings, and the README's table of pages names every page in docs/ and
no missing one. (That docs/ builds without a warning, every link resolving, is ``tox -e docs``.)"""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:50])

RUN_DAEMON = "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/twistd -n okxbridge --port 6666"
RUN_TESTS = "python3 -m venv .venv && .venv/bin/pip install tox && .venv/bin/tox -e py3"


def test_the_first_screen_has_the_two_commands_and_the_fmz_settings():
    assert f"\n    {RUN_DAEMON}\n" in FIRST_SCREEN
    assert f"\n    {RUN_TESTS}\n" in FIRST_SCREEN
    for setting in ("**Protocol: Custom Protocol**", "`http://127.0.0.1:6666/OKX`", "`SECRET,PASSPHRASE`"):
        assert setting in FIRST_SCREEN, setting


def test_the_test_command_is_the_one_ci_runs():
    assert ".venv/bin/tox -e py3" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_stays_a_landing_page():
    assert len(README.splitlines()) < 250


def test_the_readme_links_every_docs_page_and_only_pages_that_exist():
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)[#)]", README))
    pages = {p.name for p in (REPO / "docs").glob("*.md")}
    assert linked - pages == set(), "README links pages docs/ lacks"
    assert pages - linked == set(), "pages of docs/ the README's table does not name"
