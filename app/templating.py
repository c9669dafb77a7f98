"""Jinja filters and globals: local time, masking, labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, g, url_for
from flask_babel import format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import clock, policies
from app.labels import LABELS

# Numeric date formats read the same in every language, so plain strftime (much cheaper than Babel) serves.
STRFTIME = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "yyyy-MM-dd": "%Y-%m-%d", "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S"}


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    prefix: str


# (roles, endpoint, label): the menu each role sees, in order; endpoints of later issues appear when they exist.
NAVIGATION = [
    (("lobby",), "home.lobby", _l("Lobby")),
    (("manager",), "home.manager", _l("My day")),
    (("supervisor",), "home.supervisor", _l("Team")),
    (("manager", "supervisor", "admin"), "customers.index", _l("Customers")),
    (("supervisor", "admin"), "customers.audit_log", _l("Audit log")),
    (("admin",), "admin.index", _l("Administration")),
]


def nav_items(app: Flask) -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    items = []
    for roles, endpoint, label in NAVIGATION:
        if current_user.role in roles and endpoint in app.view_functions:
            items.append(NavItem(str(label), url_for(endpoint), endpoint.rsplit(".", 1)[0] + "."))
    return items


def request_translations():
    """The request's gettext catalogue, looked up once per request instead of once per string."""
    translations = g.get("_translations")
    if translations is None:
        translations = g._translations = get_translations()
    return translations


def init_app(app: Flask) -> None:
    tz = app.config["DISPLAY_TIMEZONE"]
    # Flask-Babel resolves locale, domain and cache for every _() in a template; a page has dozens.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.template_filter("localtime")
    def localtime_filter(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
        if value is None:
            return ""
        if fmt in STRFTIME:
            return clock.local(value, tz).strftime(STRFTIME[fmt])
        return format_datetime(value, fmt)

    @app.template_filter("mask")
    def mask_filter(value, kind: str, level: int = 1) -> str:
        from app.privacy import mask

        return mask(kind, value, level)

    @app.template_filter("mask_text")
    def mask_text_filter(value, level: int = 1) -> str:
        from app.privacy import mask_numbers_in_text

        return mask_numbers_in_text(value if value is None else str(value), level)

    @app.context_processor
    def globals_for_templates():
        return {
            "csp_nonce": g.get("csp_nonce", ""),
            "languages": app.config["LANGUAGES"],
            "nav_items": lambda: nav_items(app),
            "get_locale": get_locale,
            "labels": LABELS,
            "can": policies,
        }
