"""Every daemon option is documented in README.md's option tables (lists tied by a test)."""

from pathlib import Path

from okxbridge.options import Options

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_option_has_a_readme_row():
    names = [p[0] for p in Options.optParameters] + [f[0] for f in Options.optFlags]
    missing = [name for name in names if f"| `--{name}` |" not in README]
    assert missing == []
