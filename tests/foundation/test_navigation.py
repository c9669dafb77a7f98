"""The navigation bar (_partials/nav.html, drawn for every page): exactly one item lit, the page's own, and
never one user's name, menu or CSRF token shown to another."""

from __future__ import annotations

import re

from app.core.extensions import db
from tests.conftest import CSRF_RE

# An item may carry its live count as an empty <span> loaded after the page.
ACTIVE_RE = re.compile(r'<a class="nav-link active" aria-current="page"\s+href="([^"]+)">([^<]+)(?:<span[^>]*></span>)?</a>')


def nav(page: str) -> str:
    return page.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]


def get(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_active_item_follows_the_page(world, manager_client):
    assert ACTIVE_RE.findall(nav(get(manager_client, "/my-day")))[0][0] == "/my-day"
    assert ACTIVE_RE.findall(nav(get(manager_client, "/customers/")))[0][0] == "/customers/"
    assert ACTIVE_RE.findall(nav(get(manager_client, "/my-day")))[0][0] == "/my-day"
    assert ACTIVE_RE.findall(nav(get(manager_client, "/account/password"))) == []


def active_items(page: str) -> list[str]:
    return [url for url, _label in ACTIVE_RE.findall(nav(page))]


def test_each_user_sees_their_own_name_menu_and_token(world, client_for):
    manager, supervisor = client_for(world.manager), client_for(world.supervisor)
    mine, theirs = get(manager, "/customers/"), get(supervisor, "/customers/")
    assert world.manager.display_name in nav(mine) and world.supervisor.display_name not in nav(mine)
    assert world.supervisor.display_name in nav(theirs)
    assert "/audit/" in nav(theirs) and "/audit/" not in nav(mine)
    tokens = {CSRF_RE.search(nav(page)).group(2) for page in (mine, theirs)}
    assert len(tokens) == 2
    for page in (mine, theirs):  # the bar's forms carry the page's own token
        assert CSRF_RE.search(nav(page)).group(2) == CSRF_RE.search(page).group(1)


def test_a_new_name_or_language_shows_on_the_next_page(world, manager_client):
    before = get(manager_client, "/customers/")
    assert "客户" in nav(before)
    world.manager.display_name = "改名后的经理"
    world.manager.language = "en"
    db.session.commit()
    after = nav(get(manager_client, "/customers/"))
    assert "改名后的经理" in after
    assert ">Customers</a>" in after and "客户" not in after


def test_a_role_change_changes_the_menu_on_the_next_page(world, client_for):
    client = client_for(world.manager)
    assert "/audit/" not in nav(get(client, "/customers/"))
    world.manager.role = "supervisor"
    db.session.commit()
    assert "/audit/" in nav(get(client, "/customers/"))
