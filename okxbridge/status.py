# -*- test-case-name: tests.test_status -*-
"""``GET /status.json``: one JSON document made of sections, one per part of the daemon.

Each part that has something to show offers a *status section*: an object with a
``status_section`` name and a ``status() -> dict`` method that answers at once (no I/O, no
waiting; it runs on every poll of the status page). :func:`okxbridge.service.build_daemon`
hands the list to :class:`StatusBoard`, so a new part (streams, the order ledger, Redis)
plugs in with one line there and replaces its :class:`NotEnabled` stand-in. The page
(``okxbridge/status.html``) draws the sections it knows and any other generically (plain
fields as key/value rows, a list of objects as a table, a row each), so a new section, or a
new field in one, shows up without touching the page.

The document's layout is documented in docs/status-page.md and versioned by
``schema``: fields may be added; renaming or removing one bumps it. Nothing in it may be
a secret: credentials are named by :attr:`Credentials.fingerprint` only.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

SCHEMA = 1


class StatusSection(Protocol):
    @property
    def status_section(self) -> str: ...

    def status(self) -> dict[str, Any]: ...


@attrs.frozen
class NotEnabled:
    """A section whose part is not running in this daemon, and why (an option, or not built yet)."""

    status_section: str
    why: str

    def status(self) -> dict[str, Any]:
        return {"enabled": False, "why": self.why}


@attrs.frozen
class ReadSection:
    """A section read from a part's own synchronous report (the ledger's and Redis's
    ``health()``, also shown in /health), so both pages say the same."""

    status_section: str
    read: Callable[[], dict[str, Any]]

    def status(self) -> dict[str, Any]:
        return dict(self.read())


def unique_sections(_, attribute, sections) -> None:
    names = [s.status_section for s in sections]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ValueError(f"status sections named twice: {', '.join(doubled)}")
    reserved = {"schema", "time"} & set(names)
    if reserved:
        raise ValueError(f"status section names reserved for the document itself: {', '.join(sorted(reserved))}")


def section_tuple(sections: Iterable[StatusSection]) -> tuple[StatusSection, ...]:
    return tuple(sections)


@attrs.define
class StatusBoard:
    clock: IReactorTime
    sections: tuple[StatusSection, ...] = attrs.field(converter=section_tuple, validator=unique_sections)
    log = Logger()

    def report(self) -> dict[str, Any]:
        """``{"schema": 1, "time": <unix seconds>, <section>: {"enabled": …, …}, …}``, in the
        order the sections were given. A section that fails shows its error; the rest still do."""
        out: dict[str, Any] = {"schema": SCHEMA, "time": round(self.clock.seconds(), 3)}
        for section in self.sections:
            name = section.status_section
            try:
                out[name] = {"enabled": True, **section.status()}
            except Exception:
                self.log.failure("status section {name} failed", name=name)
                out[name] = {"enabled": True, "error": f"the {name} section could not be read (see the log)"}
        return out
