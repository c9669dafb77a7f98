"""Steps shared by the browser journeys: what a person does with the mouse and keyboard."""

from __future__ import annotations

from urllib.parse import urlsplit

DEMO_PASSWORD = "yinjian-demo"  # the documented password of `flask demo-data` users

# Each demo user and the home page the sign-in lands on.
HOME_OF = {
    "lobby": "/lobby",
    "manager": "/my-day",
    "credit": "/my-day",
    "supervisor": "/team",
    "admin": "/admin/",
    "manager2": "/my-day",
}


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()


def path_of(page) -> str:
    return urlsplit(page.url).path


def open_user_menu(page) -> None:
    """Open the user dropdown at the right of the navbar."""
    page.locator("nav .dropdown-toggle").click()


def open_as(new_page, session_of, username: str, **options):
    """A fresh page (own context) already signed in as `username`."""
    return new_page(storage_state=session_of(username), **options)


def tab_to(page, selector: str, *, limit: int = 120, back: bool = False) -> None:
    """Press Tab (Shift+Tab with back=True), as a keyboard user does, until the focus is on `selector`."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{limit} presses of {key} never reached {selector}")


def focused(page, selector: str) -> bool:
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)
