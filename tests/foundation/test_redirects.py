"""Post-login destinations (security.md C-rows, issue 8 item 2): only same-site relative paths survive the
browser's own normalisation (tab/CR/LF dropped, backslash read as slash); anything else goes home, never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from app.auth.guard import safe_next
from tests.foundation.helpers import PASSWORD

# Each value is what the `next` parameter holds once the query string is decoded.
HOSTILE = [
    "//evil.example",
    "///evil.example",
    "/\t/evil.example",  # /login?next=/%09/evil.example: browsers drop the tab and see //evil.example
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\r\nSet-Cookie: x=1",  # header injection (was a 500)
    "\t//evil.example",
    " //evil.example",  # browsers strip leading spaces
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "/%2F/evil.example",  # a second decode (a proxy, an old parser) makes it //evil.example
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%5c/evil.example",
    "/%252F/evil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/.//evil.example",
    "/..//evil.example",
    "/../evil.example",
    "https://evil.example/",
    "http:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "@evil.example",
    "/\x00/evil.example",
    "/\u3000/evil.example",
    "/\uff0f\uff0fevil.example",
    "",
]

ACCEPTED = [
    "/account/password",
    "/customers/",
    "/customers/12",
    "/customers/?tier=A&sort=name",
    "/customers/?q=%E5%BC%A0%E4%B8%89",
    "/customers/12#timeline",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_what_a_browser_could_read_as_another_site(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ACCEPTED)
def test_safe_next_keeps_same_site_paths(target):
    assert safe_next(target) == target


def _query(target: str) -> str:
    return quote(target, safe="")


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_with_a_hostile_next_goes_home(app, world, anon, target):
    anon.forget_csrf()
    anon._token_page = f"/login?next={_query(target)}"
    response = anon.form(f"/login?next={_query(target)}", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-day"


def test_the_issue_s_own_url_goes_home(app, world, anon):
    response = anon.form("/login?next=/%09/evil.example", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-day"


@pytest.mark.parametrize("raw", ["/%0d%0aSet-Cookie:%20x=1", "/%0a/evil.example", "%0d%0a"])
def test_cr_lf_in_next_is_never_a_500(app, world, anon, raw):
    page = anon.get(f"/login?next={raw}")
    assert page.status_code == 200
    response = anon.form(f"/login?next={raw}", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-day"
    assert "Set-Cookie" not in response.headers.get("Location", "")


@pytest.mark.parametrize("target", ACCEPTED[:4])
def test_sign_in_follows_a_same_site_next(app, world, anon, target):
    response = anon.form(f"/login?next={_query(target)}", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", HOSTILE)
def test_reauthenticate_with_a_hostile_next_goes_home(app, world, manager_client, target):
    response = manager_client.form(f"/reauthenticate?next={_query(target)}", {"password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-day"


def test_reauthenticate_follows_a_same_site_next(app, world, manager_client):
    response = manager_client.form("/reauthenticate?next=/customers/12", {"password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/customers/12"


def test_reauthenticate_page_with_cr_lf_next_is_not_a_500(app, world, manager_client):
    assert manager_client.get("/reauthenticate?next=/%0d%0a/evil.example").status_code == 200


def test_a_page_asked_for_before_sign_in_is_the_destination(app, world, anon):
    asked = anon.get("/customers/?tier=A")
    assert asked.status_code == 302
    response = anon.form(asked.headers["Location"], {"username": "manager", "password": PASSWORD})
    assert response.headers["Location"] == "/customers/?tier=A"
