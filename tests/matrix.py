"""The role × route matrix runner of every area (security.md A1, A2, A7). Each area's test_matrix.py keeps its
own table, one row per (endpoint, method) with the status each caller gets, and its snapshot of the records a
refused request must leave alone; this module requests, checks and repeats the request as htmx."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import url_for

from tests.customers.helpers import body

# Lobby staff, the owning manager, a manager colleague of the branch, the branch supervisor, admin, and a
# manager of the other branch.
CALLERS = ("lobby", "manager", "colleague", "supervisor", "admin", "other")


class Row(NamedTuple):
    lobby: int
    manager: int
    colleague: int
    supervisor: int
    admin: int
    other: int
    url: Callable | None = None  # ctx -> the URL's arguments
    data: Callable | None = None  # ctx -> the form posted


def cases(expected: dict) -> list[tuple[str, str, str]]:
    return [(endpoint, method, caller) for (endpoint, method) in expected for caller in CALLERS]


def case_ids(expected: dict) -> list[str]:
    return [f"{e}-{m}-{c}" for e, m, c in cases(expected)]


def routes_of(app, area: str) -> list[tuple[str, str]]:
    """(endpoint, method) of every rule of the blueprint `area` in the URL map."""
    return [(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith(area + ".")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def assert_every_route_has_a_row(app, area: str, expected: dict) -> None:
    routes = routes_of(app, area)
    assert not [key for key in routes if key not in expected], "routes without a row in the matrix"
    assert not [key for key in expected if key not in routes], "rows for routes that no longer exist"


def user_of(world, caller: str):
    return world.other_manager if caller == "other" else getattr(world, caller)


def call(client, method: str, url: str, data: dict | None, *, htmx: bool = False):
    if method == "GET":
        return client.get(url, headers={"HX-Request": "true"} if htmx else None)
    return client.hx("POST", url, data) if htmx else client.form(url, data)


def check_cell(app, client, endpoint: str, method: str, wanted: int, url_args: dict, data: dict,
               snapshot: Callable[[], object], *, refused: tuple[int, ...] = (403, 404),
               never_shown: tuple[str, ...] = ()):
    """One caller on one route: the wanted status; a refusal changes nothing and htmx gets no further; a
    redirect says where; a 403/404 shows none of `never_shown`."""
    with app.test_request_context():
        url = url_for(endpoint, **url_args)
    before = snapshot()
    response = call(client, method, url, data)
    assert response.status_code == wanted, body(response)[-1500:]
    if wanted in refused:
        assert snapshot() == before, "a refused request changed the database"
        assert call(client, method, url, data, htmx=True).status_code == wanted  # A7
        assert snapshot() == before
    if wanted in (403, 404):
        assert not [text for text in never_shown if text in body(response)]
    if wanted == 303:
        assert response.headers["Location"]
    return response
