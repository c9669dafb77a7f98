"""Audit log routes: supervisors read their branch's log, admin every branch's."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.auditlog import bp, services
from app.auditlog.forms import AuditFilterForm
from app.auth.decorators import roles_required
from app.core.htmx import render


def _filters(form: AuditFilterForm) -> services.AuditFilters:
    """What the form says, a field that does not parse left out (its message shows next to it)."""
    def value(name):
        return None if form[name].errors else form[name].data

    return services.AuditFilters(date_from=value("date_from"), date_to=value("date_to"), actor_id=value("actor"),
                                 action=value("action") or "", customer_id=form.customer.data,
                                 page=form.page.data or 1)


def _filter_form(user) -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    form.actor.choices = [SelectChoice(None, _("All")), *(SelectChoice(i, n) for i, n in services.staff_choices(user))]
    form.action.choices = [SelectChoice("", _("All")),
                           *(SelectChoice(code, str(label)) for code, label in services.ACTION_LABELS.items())]
    form.validate()
    return form


def _page_url(filters: services.AuditFilters, page: int) -> str:
    args = {"date_from": filters.date_from, "date_to": filters.date_to, "actor": filters.actor_id,
            "action": filters.action, "customer": filters.customer_id, "page": page if page > 1 else None}
    return url_for("auditlog.index", **{k: v for k, v in args.items() if v not in (None, "")})


@bp.route("/")
@roles_required("supervisor", "admin")
def index():
    """The audit log, newest first, filtered by dates, staff member, action and customer; 50 a page."""
    user = current_user._get_current_object()
    form = _filter_form(user)
    result = services.audit_page(user, _filters(form))
    return render("auditlog/index.html", "auditlog/_table.html", form=form, result=result,
                  prev_url=_page_url(result.filters, result.page - 1) if result.has_prev else "",
                  next_url=_page_url(result.filters, result.page + 1) if result.has_next else "",
                  clear_customer_url=_page_url(services.AuditFilters(**{**vars(result.filters), "customer_id": None}), 1))
