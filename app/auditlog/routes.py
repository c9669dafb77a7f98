"""Audit log routes: supervisors read their branch's log, admin every branch's."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.auditlog import bp, services
from app.auditlog.forms import AuditFilterForm
from app.auth.decorators import roles_required
from app.core import policies
from app.core.htmx import is_htmx_request, redirect_or_hx, render

FILTER_FIELDS = ("date_from", "date_to", "actor", "branch", "action", "customer", "page")
NUMBER_FIELDS = ("actor", "branch", "customer", "page")


def _filters(form: AuditFilterForm) -> services.AuditFilters:
    """What the form says (only read when it validated)."""
    return services.AuditFilters(date_from=form.date_from.data, date_to=form.date_to.data, actor_id=form.actor.data,
                                 branch_id=form.branch.data, action=form.action.data or "",
                                 customer_id=form.customer.data, page=form.page.data or 1)


def _filter_form(user) -> tuple[AuditFilterForm, bool]:
    """The filter form read from the query string, and whether it can be applied."""
    form = AuditFilterForm(formdata=request.args)
    # "All" is the empty value, so an unfiltered field is left out of every URL (never actor=None).
    form.actor.choices = [SelectChoice("", _("All")), *(SelectChoice(i, n) for i, n in services.staff_choices(user))]
    form.branch.choices = [SelectChoice("", _("All branches")),
                           *(SelectChoice(i, n) for i, n in services.branch_choices(user))]
    form.action.choices = [SelectChoice("", _("All")),
                           *(SelectChoice(code, str(label)) for code, label in services.ACTION_LABELS.items())]
    return form, form.validate()


def _typed_args(form: AuditFilterForm) -> dict[str, str]:
    """The filter as typed, without its empty fields: a date stays as typed (a reload shows the same message),
    a number field only when it reads as one."""
    args = {}
    for name in FILTER_FIELDS:
        raw = request.args.get(name, "").strip()
        if name in NUMBER_FIELDS:
            raw = str(form[name].data) if form[name].data not in (None, 1 if name == "page" else None) else ""
        if raw:
            args[name] = raw
    return args


def _page_url(filters: services.AuditFilters, page: int) -> str:
    args = {"date_from": filters.date_from, "date_to": filters.date_to, "actor": filters.actor_id,
            "branch": filters.branch_id, "action": filters.action, "customer": filters.customer_id,
            "page": page if page > 1 else None}
    return url_for("auditlog.index", **{k: v for k, v in args.items() if v not in (None, "")})


@bp.route("/")
@roles_required("supervisor", "admin")
def index():
    """The audit log, newest first, filtered by dates, staff member, branch (admin), action and customer; 50 a page.
    A filter that cannot be applied shows its errors and no events."""
    user = current_user._get_current_object()
    form, valid = _filter_form(user)
    typed = _typed_args(form)
    clean_url = url_for("auditlog.index", **typed)
    if not is_htmx_request() and any(request.args.get(name, "x").strip() in ("", "None") for name in FILTER_FIELDS):
        return redirect_or_hx(clean_url)  # a plain GET form sends its empty fields too ("None": an old link's "All")
    filters = _filters(form) if valid else services.AuditFilters(customer_id=form.customer.data)
    result = services.audit_page(user, filters) if valid else services.unread_page(filters)
    response = render("auditlog/index.html", "auditlog/_log.html", form=form, result=result,
                      show_branch=policies.sees_every_branch(user),
                      prev_url=_page_url(result.filters, result.page - 1) if result.has_prev else "",
                      next_url=_page_url(result.filters, result.page + 1) if result.has_next else "",
                      clear_customer_url=_page_url(services.AuditFilters(**{**vars(result.filters),
                                                                            "customer_id": None}), 1))
    if is_htmx_request():
        response.headers["HX-Push-Url"] = clean_url  # the form sends its empty fields; the address bar shows none
    return response
