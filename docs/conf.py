"""Sphinx configuration: okxbridge's documentation, MyST Markdown (``tox -e docs``).

The build runs with ``-W --keep-going -n``: a broken cross-reference, a link to a missing heading
or page, a page outside every toctree or a docstring that does not parse fails it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # autodoc imports this checkout

from okxbridge import __version__  # noqa: E402

project = "okxbridge"
author = "okxbridge's authors"
copyright = "okxbridge's authors"
version = release = __version__

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"

# headings get GitHub's anchors, so [x](calls.md#market-data) works here and on GitHub alike
myst_heading_anchors = 4
# the examples are FMZ/OKX JSON with "…" and arrows, not Python: no highlighting guessed
highlight_language = "none"

# every cross-reference must resolve; Twisted, attrs and treq are not documented here (no intersphinx:
# the build must work offline), so references into them are allowed unresolved
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(twisted|attr|attrs|treq|klein|autobahn|txredisapi)(\..*)?"),
]
# the daemon's own parts that RunningBridge hands out (daemon, desk, app): internals, not an API of their own
nitpick_ignore = [("py:class", "okxbridge.service.Daemon"), ("py:class", "okxbridge.desk.desk.OrderDesk"),
                  ("py:class", "okxbridge.fmz.app.FmzApp")]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"

html_theme = "alabaster"
html_title = f"okxbridge {version}"
html_static_path: list[str] = []
