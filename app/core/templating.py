"""Jinja filters and globals: local time, masking, labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, g, request, url_for
from flask_babel import format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf as csrf_token
from jinja2 import pass_context
from markupsafe import Markup

from app.core import clock, policies
from app.core.i18n import current_language
from app.core.labels import LABELS

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
    (("supervisor", "admin"), "auditlog.index", _l("Audit log")),
    (("admin",), "admin.index", _l("Administration")),
]


# Menus and asset URLs are the same for every request of a role and language (and mount point):
# built once per process instead of a url_for and a translation per item on every page.
_menus: dict[tuple, tuple[NavItem, ...]] = {}
_fixed_urls: dict[tuple, str] = {}


def nav_items(app: Flask) -> tuple[NavItem, ...]:
    if not current_user.is_authenticated:
        return ()
    role = current_user.role
    key = (request.script_root, role, current_language())
    menu = _menus.get(key)
    if menu is None:
        menu = _menus[key] = tuple(
            NavItem(str(label), url_for(endpoint), endpoint.rsplit(".", 1)[0] + ".")
            for roles, endpoint, label in NAVIGATION if role in roles and endpoint in app.view_functions
        )
    return menu


_NAV_CACHE_MAX = 5_000


def navigation_bar(app: Flask) -> Markup:
    """The rendered navigation bar. It depends only on the signed-in user's name, role and language, the
    session's CSRF token (its forms) and the area of the page (the active item), so each combination is
    rendered once per worker: a page no longer spends a tenth of its rendering on a bar that never changes."""
    user = current_user._get_current_object()
    endpoint = request.endpoint or ""
    menu = nav_items(app)
    active = next((item.prefix for item in menu if endpoint.startswith(item.prefix)), None)
    token = csrf_token()

    def draw() -> Markup:
        template = app.jinja_env.get_template("_partials/nav.html")
        return Markup(template.render(user=user, menu=menu, active=active, csrf=token))  # noqa: S704

    key = (request.script_root, user.id, user.display_name, user.role, user.language, current_language(),
           token, active)
    cache = app.extensions.setdefault("yinjian_navigation", {})
    html = cache.get(key)
    if html is None:
        if len(cache) >= _NAV_CACHE_MAX:
            cache.clear()
        html = cache[key] = draw()
    return html


def fixed_url(endpoint: str, filename: str | None = None) -> str:
    """url_for for a URL that never changes while the app runs (an endpoint without arguments, or a
    static file), remembered per mount point."""
    key = (request.script_root, endpoint, filename)
    url = _fixed_urls.get(key)
    if url is None:
        url = _fixed_urls[key] = url_for(endpoint, filename=filename) if filename else url_for(endpoint)
    return url


def request_translations():
    """The request's gettext catalogue, looked up once per request instead of once per string."""
    translations = g.get("_translations")
    if translations is None:
        translations = g._translations = get_translations()
    return translations


# Each language's template strings, translated and marked safe once per process.
_template_strings: dict[str, dict[str, Markup]] = {}


def _translated(strings: dict[str, Markup], string: str, variables: dict) -> Markup:
    translated = strings.get(string)
    if translated is None:
        # Our own catalogue: trusted markup, exactly as jinja2.ext's newstyle gettext treats it.
        translated = strings[string] = Markup(request_translations().ugettext(string))  # noqa: S704
    if variables:
        return translated % variables
    key = "\0" + string  # the formatted form ("%%" → "%"): newstyle gettext always applies %
    done = strings.get(key)
    if done is None:
        done = strings[key] = translated % {}
    return done


@pass_context
def template_gettext(context, string: str, /, **variables) -> str:
    """_() and {% trans %} in templates, as jinja2.ext's newstyle gettext does it (the translation is
    trusted markup, the variables are escaped into it), with a language's strings looked up once: the
    extension's wrappers and Flask-Babel's lookups cost more than the rest of a list page's layout.
    Pages get the request's language's own function (language_gettext) from the context processor;
    this global serves macros imported without context."""
    return language_gettext(current_language())(context, string, **variables)


_gettext_by_language: dict[str, object] = {}


def language_gettext(language: str):
    """template_gettext for one language, handed to each render by the context processor: a page
    calls _() dozens of times, and this one need not ask which language the request speaks."""
    gettext = _gettext_by_language.get(language)
    if gettext is None:
        strings = _template_strings.setdefault(language, {})

        @pass_context
        def gettext(context, string: str, /, **variables) -> str:
            if not context.eval_ctx.autoescape:
                return request_translations().ugettext(string) % variables
            return _translated(strings, string, variables)

        gettext = _gettext_by_language[language] = gettext
    return gettext


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
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)

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

    # What never changes per request is a global, not a context processor's output (built per render).
    app.jinja_env.globals.update(
        languages=app.config["LANGUAGES"],
        navigation_bar=lambda: navigation_bar(app),
        fixed_url=fixed_url,
        get_locale=get_locale,
        labels=LABELS,
        can=policies,
    )

    @app.context_processor
    def globals_for_templates():
        # csrf_token replaces Flask-WTF's own (its context processor runs first). Macros imported
        # without context keep the global _ (template_gettext), which finds the language itself.
        gettext = language_gettext(current_language())
        return {"csp_nonce": g.get("csp_nonce", ""), "csrf_token": csrf_token, "_": gettext, "gettext": gettext}
