"""Translation in templates is Flask-Babel's own Jinja wiring (newstyle gettext): variables are escaped into
the trusted translation, `%` is always applied, and the request's language decides."""

from __future__ import annotations

from flask import render_template_string


def render(app, source: str, language: str = "zh_Hans_CN", **context) -> str:
    with app.test_request_context(headers={"Cookie": f"lang={language}"}):
        from flask import g

        g.__dict__.clear()  # the suite's app context (and its g, where Flask-Babel keeps the locale) is shared
        g._languages = app.config["LANGUAGES"]
        return render_template_string(source, **context)


def test_variables_are_escaped_into_the_translation(app):
    html = render(app, '{{ _("Welcome, %(name)s.", name=who) }}', who="<b>王</b>")
    assert "&lt;b&gt;王&lt;/b&gt;" in html and "<b>" not in html


def test_percent_is_always_applied_as_newstyle_gettext_does(app):
    assert render(app, '{{ _("100%% sure") }}') == "100% sure"


def test_the_requests_language_decides_in_pages_and_in_macros_imported_without_context(app):
    source = ('{% from "_macros/forms.html" import required_note %}{{ _("Customers") }}|{{ required_note() }}')
    chinese, english = render(app, source), render(app, source, "en")
    assert chinese.startswith("客户|") and "标有 * 的为必填项。" in chinese
    assert english.startswith("Customers|") and "Fields marked * are required." in english


def test_plural_forms_come_from_the_catalogue(app):
    source = '{{ ngettext("%(num)d account", "%(num)d accounts", n) }}'
    assert render(app, source, "en", n=1) == "1 account"
    assert render(app, source, "en", n=3) == "3 accounts"


def test_the_home_pages_tier_cards_are_translated(world, manager_client):
    from app.core.extensions import db

    chinese = manager_client.get("/my-day").get_data(as_text=True)
    assert "A 类客户" in chinese and "Tier A" not in chinese
    world.manager.language = "en"
    db.session.commit()
    assert "Tier A" in manager_client.get("/my-day").get_data(as_text=True)
