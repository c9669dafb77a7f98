"""Jinja filters and globals: local time, masking, labels, the navigation menu.

Translation in templates is Flask-Babel's own wiring (jinja2.ext.i18n with newstyle gettext): `_()` and
`{% trans %}` escape their variables into the translated markup and always apply `%`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, g, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf as csrf_token

from app.core import clock, policies
from app.core.i18n import request_translations
from app.core.labels import LABELS

# Numeric date formats read the same in every language, so plain strftime (much cheaper than Babel) serves.
STRFTIME = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "yyyy-MM-dd": "%Y-%m-%d", "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S"}

# (roles, endpoint, label): the menu each role sees, in order; endpoints of later issues appear when they exist.
NAVIGATION = [
    (("lobby",), "lobby.index", _l("Lobby")),
    (("lobby", "manager", "supervisor"), "lobby.queue_page", _l("Queue")),
    (("lobby", "supervisor", "admin"), "lobby.log", _l("Walk-ins")),
    (("manager",), "home.manager", _l("My day")),
    (("supervisor",), "home.supervisor", _l("Team")),
    (("manager", "supervisor", "admin"), "customers.index", _l("Customers")),
    (("manager", "supervisor"), "appointments.calendar", _l("Calendar")),
    (("lobby", "manager", "supervisor", "admin"), "referrals.index", _l("Referrals")),
    (("supervisor", "admin"), "auditlog.index", _l("Audit log")),
    (("admin",), "admin.index", _l("Administration")),
]


# Menu items with a live count: endpoint -> (the fragment that draws it, its element id, the event that
# makes it read its count again).
BADGES = {"referrals.index": ("referrals.badge", "referral-badge", "referrals-changed"),
          "home.manager": ("followups.badge", "follow-up-badge", "follow-ups-changed")}


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    badge_url: str = ""  # a count loaded as its own fragment (never a query on every page)
    badge_id: str = ""
    badge_event: str = ""


def navigation(app: Flask) -> list[NavItem]:
    """The signed-in user's menu for this page, with exactly one item active at most: the item of the
    page's own endpoint, else the first item of the page's area (blueprint)."""
    if not current_user.is_authenticated:
        return []
    entries = [(endpoint, label) for roles, endpoint, label in NAVIGATION
               if current_user.role in roles and endpoint in app.view_functions]
    here = request.endpoint or ""
    area = here.rsplit(".", 1)[0] + "."
    active = next((e for e, _label in entries if e == here), None) or next(
        (e for e, _label in entries if e.startswith(area)), None)
    return [NavItem(str(label), url_for(endpoint), endpoint == active,
                    *((url_for(BADGES[endpoint][0]), *BADGES[endpoint][1:]) if endpoint in BADGES else ()))
            for endpoint, label in entries]


def init_app(app: Flask) -> None:
    tz = app.config["DISPLAY_TIMEZONE"]

    @app.template_filter("localtime")
    def localtime_filter(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
        if value is None:
            return ""
        if fmt in STRFTIME:
            return clock.local(value, tz).strftime(STRFTIME[fmt])
        return format_datetime(value, fmt)

    @app.template_filter("mask")
    def mask_filter(value, kind: str, level: int = 1) -> str:
        from app.core.privacy import mask

        return mask(kind, value, level)

    @app.template_filter("mask_text")
    def mask_text_filter(value, level: int = 1) -> str:
        from app.core.privacy import mask_numbers_in_text

        return mask_numbers_in_text(value if value is None else str(value), level)

    # Jinja's own gettext wiring, as Flask-Babel installs it, with the catalogue found once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # What never changes per request is a global, not a context processor's output (built per render).
    app.jinja_env.globals.update(
        languages=app.config["LANGUAGES"],
        navigation=lambda: navigation(app),
        get_locale=get_locale,
        labels=LABELS,
        can=policies,
    )

    @app.context_processor
    def globals_for_templates():
        return {"csp_nonce": g.get("csp_nonce", ""), "csrf_token": csrf_token}
