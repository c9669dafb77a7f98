"""Every copy a worker process keeps from one request to the next, in one place, each with why it is safe.

Nothing here is security state (sessions, tokens, permissions are read for every request) and nothing is
per user; each copy is either immutable for the life of the process or expires and is forgotten on change:

- reference data (core.refdata): the branch's manager and team pickers and the active tier rules, for at
  most REFDATA_CACHE_SECONDS, forgotten at once when this process changes a user, team or rule; whatever
  saves an owner, team or tier reads the database instead.
- label dicts (core.labels): code -> translated label per language; the catalogues are files that do not
  change while the process runs.
- WTForms' message catalogue per language (core.forms): the same.
- parsed locales (core.i18n): Babel Locale objects, immutable.
- prebuilt SQL statements (customers.listing, customers.timeline, referrals.inbox, referrals.sending,
  appointments.calendar, appointments.presenters, appointments.booking, lobby.queue, lobby.presenters): statement shapes with bound
  parameters, no data; building them cost more than running them.

tests/conftest.py clears them all before each test with clear_all().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerCopy:
    name: str
    clear: Callable[[], None]


_COPIES: dict[str, WorkerCopy] = {}


def keep(name: str, clear: Callable[[], None]) -> None:
    """Register a copy (named in this module's docstring) and how to forget it."""
    _COPIES[name] = WorkerCopy(name, clear)


def names() -> list[str]:
    return sorted(_COPIES)


def clear_all() -> None:
    """Forget every copy (tests start each case from the database alone)."""
    for copy in _COPIES.values():
        copy.clear()
