"""Customer routes: read the request, load with load_customer, call a service, commit once, render."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import read_only, roles_required
from app.auth.guard import safe_referrer
from app.auth.services import is_fresh
from app.core import policies, refdata
from app.core.extensions import db, limiter
from app.core.htmx import hx_redirect, is_htmx_request, redirect_or_hx, render
from app.core.refusals import InvalidInput, put_on_form
from app.customers import bp, duplicates, records, search, tiers, timeline
from app.customers.forms import (
    ActivityForm,
    ArchiveForm,
    CustomerForm,
    NoPersonalNumbers,
    ReassignForm,
    RevealForm,
    TierForm,
)
from app.customers.loaders import load_customer
from app.customers.presenters import list_rows
from app.introducers import asking
from app.introducers import links as introducer_links
from app.models import User

SALES = ("manager", "supervisor")
READERS = ("manager", "supervisor", "admin")


def _current() -> User:
    return current_user._get_current_object()


# ---------------------------------------------------------------- list and search


def _list_context(filters: search.CustomerFilters) -> dict:
    user = _current()
    result = search.search_customers(user, filters, per_page=current_app.config["CUSTOMERS_PER_PAGE"])
    can_reassign = policies.can_reassign(user)
    full_page = not is_htmx_request()
    # The pager's links serve no-JS use and "open in new tab"; htmx posts the filter form with the page.
    page_url = lambda page: url_for("customers.index", **filters.url_params(page=page))  # noqa: E731
    return {
        "result": result,
        "rows": list_rows(user, result.rows),
        "filters": filters,
        # The filter form (full page) and the reassign select need the branch's staff; a table fragment may not.
        "owners": refdata.managers(user) if full_page or can_reassign else (),
        "teams": refdata.teams(user) if full_page else (),
        "show_branch": policies.sees_every_branch(user),
        "branches": search.branch_choices() if full_page and policies.sees_every_branch(user) else (),
        "prev_url": page_url(result.page - 1) if result.has_prev else "",
        "next_url": page_url(result.page + 1) if result.has_next else "",
        "reassign_form": ReassignForm() if can_reassign else None,
    }


@bp.route("/")
@roles_required(*READERS)
def index():
    """The customer list: the full page, or the table fragment for htmx (filters in the URL, never a number)."""
    filters = search.CustomerFilters.from_values(request.args).without_number()
    return render("customers/index.html", "customers/_table.html", **_list_context(filters))


def _posted_filters() -> search.CustomerFilters:
    return search.CustomerFilters.from_values(request.form)


def number_search_limit() -> str:
    """The per-user limit of full-number look-ups (the customer search, the duplicate check, the lobby)."""
    return current_app.config["SEARCH_NUMBER_LIMIT"]


def per_user() -> str:
    return f"user:{current_user.get_id()}"


@bp.route("/search", methods=["POST"], endpoint="search")
@limiter.limit(number_search_limit, key_func=per_user, exempt_when=lambda: not _posted_filters().looks_up_number)
@roles_required(*READERS)
@read_only
def search_list():
    """Active search as you type; POST so a mobile or ID number never lands in a URL or a log."""
    filters = _posted_filters()
    context = _list_context(filters)
    db.session.commit()  # a full-number search wrote its audit row
    if not is_htmx_request():
        context["filters"] = filters.without_number()  # the no-JS page must not echo the number back
    response = render("customers/index.html", "customers/_table.html", **context)
    response.headers["HX-Push-Url"] = url_for("customers.index", **filters.url_params())
    return response


@bp.route("/archived")
@roles_required("supervisor")
def archived():
    """Archived customers of the branch, for a supervisor to restore."""
    return render("customers/archived.html", rows=search.archived_customers(_current()))


@bp.route("/reassign", methods=["POST"])
@roles_required("supervisor")
def reassign():
    """Give the selected customers to another manager of the branch."""
    user = _current()
    form = ReassignForm.for_user(user)
    ids = form.selected_ids()
    if not form.validate_on_submit() or not ids:
        flash(_("Choose at least one customer and the new owner."), "warning")
    else:
        moved = records.reassign_customers(user, ids, form.owner_id.data)
        db.session.commit()
        flash(_("%(count)d customers reassigned.", count=len(moved)), "success")
    return redirect_or_hx(safe_referrer() or url_for("customers.index"))


# ---------------------------------------------------------------- create and edit


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*SALES)
def new():
    """Create a customer; bad input is shown next to the field and nothing is saved."""
    user = _current()
    form = CustomerForm.for_user(user)
    found: list[duplicates.DuplicateMatch] = []
    if form.validate_on_submit():
        try:
            customer = records.create_customer(user, form.to_data())
            introducer_links.introduce_new(user, customer, form.introducer.data)
        except InvalidInput as exc:
            put_on_form(exc, form)
            found = getattr(exc, "matches", [])
        else:
            db.session.commit()
            flash(_("Customer %(name)s created.", name=customer.name), "success")
            return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    return render("customers/new.html", "customers/_form.html", form=form, customer=None,
                  duplicates=found, action=url_for("customers.new"))


def _not_a_number_check() -> bool:
    return (request.view_args or {}).get("field_name") not in duplicates.NUMBER_FIELDS


@bp.route("/validate/<field_name>", methods=["POST"])
# The duplicate check tells whether a number exists anywhere in the bank: limited like number searches.
@limiter.limit(number_search_limit, key_func=per_user, exempt_when=_not_a_number_check)
@roles_required(*SALES)
@read_only
def validate_field(field_name: str):
    """Inline validation as the user types: the same form rules plus the duplicate check."""
    if field_name not in CustomerForm.INLINE_FIELDS:
        abort(404)
    user = _current()
    customer_id = search.id_param(request.form.get("customer_id"))
    customer = load_customer(user, customer_id, "edit") if customer_id else None
    form = CustomerForm.for_user(user, customer)
    form.validate()
    field = form[field_name]
    found = [] if field.errors else duplicates.check_field(user, form, field_name, customer)
    db.session.commit()  # the duplicate check wrote its audit row
    return render_template("customers/_field_feedback.html", field=field, errors=list(field.errors),
                           duplicates=found, duplicate_message=duplicates.duplicate_message)


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@roles_required(*SALES)
def edit(customer_id: int):
    """Edit a customer with optimistic locking: a stale save is refused with a view of what changed."""
    user = _current()
    customer = load_customer(user, customer_id, "edit")
    form = CustomerForm.for_user(user, customer, fill=request.method == "GET")
    conflict, found = None, []
    if form.validate_on_submit():
        try:
            changed = records.update_customer(user, customer, form.to_data(customer),
                                              expected_version=form.expected_version)
        except records.EditConflict as exc:
            conflict = records.conflict_after_rollback(exc)
            form.version.data = str(customer.version)  # saving again now overwrites knowingly
        except InvalidInput as exc:
            put_on_form(exc, form)
            found = getattr(exc, "matches", [])
        else:
            db.session.commit()
            flash(_("Changes saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
            return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    return render("customers/edit.html", "customers/_form.html", status=409 if conflict else 200, form=form,
                  customer=customer, conflict=conflict, duplicates=found, action=request.path)


# ---------------------------------------------------------------- the customer page


def _page_context(user: User, customer, **forms) -> dict:
    """The customer page: the sheet, the newest timeline entries, and the forms the user may use (fresh
    ones, unless a refused submission comes back in `forms`)."""
    entries, has_more = timeline.customer_timeline(customer)
    context = {
        "customer": customer,
        "full": policies.sees_full_record(user, customer),
        "entries": entries,
        "has_more": has_more,
        "activity_form": ActivityForm(formdata=None) if policies.can_log_activity(user, customer) else None,
        "tier_form": TierForm(formdata=None) if policies.can_set_tier(user, customer) else None,
        "suggested_tier": tiers.suggest_tier(customer, refdata.tier_rules()),
        "reveal_form": RevealForm(formdata=None) if policies.can_reveal(user, customer) else None,
        "archive_form": ArchiveForm(formdata=None) if policies.can_archive(user, customer) else None,
        "can": policies,
        "ask_form": asking.offer_form(user, customer, request.args.get("ask") == "1"),
    }
    context.update(forms)
    return context


def _audited_view(user: User, customer, response):
    """Audit a customer page view once it rendered; if the row cannot be written, the page is not shown."""
    records.record_view(user, customer)
    db.session.commit()
    return response


@bp.route("/<int:customer_id>")
@roles_required(*READERS)
def show(customer_id: int):
    """The customer information sheet and the timeline; every view is audited."""
    user = _current()
    customer = load_customer(user, customer_id, "view")
    return _audited_view(user, customer, render("customers/show.html", **_page_context(user, customer)))


@bp.route("/<int:customer_id>/card")
@roles_required("lobby", *READERS)
def card(customer_id: int):
    """The masked summary card (what lobby staff may see); every view is audited."""
    user = _current()
    customer = load_customer(user, customer_id, "card")
    response = render("customers/card.html", "customers/_card.html", customer=customer,
                      full=policies.sees_full_record(user, customer))
    return _audited_view(user, customer, response)


@bp.route("/<int:customer_id>/timeline", endpoint="timeline")
@roles_required(*READERS)
def older_entries(customer_id: int):
    """Older timeline entries: the 'show older' fragment, or (no JavaScript) the whole page at that point."""
    user = _current()
    customer = load_customer(user, customer_id, "view")
    try:
        entries, has_more = timeline.customer_timeline(customer, before=timeline.cursor_from(request.args))
    except timeline.BadCursor:
        abort(400)
    if is_htmx_request():
        return render("customers/show.html", "customers/_timeline_entries.html", customer=customer,
                      entries=entries, has_more=has_more, full=policies.sees_full_record(user, customer))
    context = {**_page_context(user, customer), "entries": entries, "has_more": has_more}
    return _audited_view(user, customer, render("customers/show.html", **context))


@bp.route("/<int:customer_id>/reveal", methods=["POST"])
@roles_required(*READERS)
def reveal(customer_id: int):
    """Show one full personal number, with a reason and a fresh password; audited."""
    user = _current()
    customer = load_customer(user, customer_id, "reveal")
    form = RevealForm()
    if not records.has_stored(customer, form.which.data):
        abort(400)  # no such number: not something a user can type
    if not form.validate_on_submit():  # the reason: refused where it was typed (the slot swaps a 422 in)
        return render_template("customers/_reveal_slot.html", customer=customer, form=form, which=form.which.data,
                               full=policies.sees_full_record(user, customer)), 422
    if not is_fresh(g.get("user_session")):
        target = url_for("auth.reauthenticate", next=url_for("customers.show", customer_id=customer.id))
        return hx_redirect(target, status=401) if is_htmx_request() else redirect(target)
    value = records.reveal_value(user, customer, form.which.data, form.reason.data)
    db.session.commit()
    return render("customers/revealed.html", "customers/_revealed.html", customer=customer,
                  which=form.which.data, value=value)


@bp.route("/<int:customer_id>/activities", methods=["POST"])
@roles_required(*SALES)
def add_activity(customer_id: int):
    """Log a call, visit, message or meeting without leaving the page."""
    user = _current()
    customer = load_customer(user, customer_id, "log_activity")
    form = ActivityForm()
    satisfied = False
    if form.validate_on_submit():
        records.log_activity(user, customer, kind=form.kind.data, outcome=form.outcome.data, note=form.note.data)
        db.session.commit()
        flash(_("Activity logged."), "success")
        satisfied = form.outcome.data in asking.SATISFIED  # the moment to ask for introductions
        if not is_htmx_request():
            return redirect_or_hx(url_for("customers.show", customer_id=customer.id, ask="1" if satisfied else None))
        form = ActivityForm(formdata=None)
    return render("customers/show.html", "customers/_timeline_and_form.html", **_page_context(
        user, customer, activity_form=form, ask_form=asking.offer_form(user, customer, satisfied)))


@bp.route("/<int:customer_id>/tier", methods=["POST"])
@roles_required(*SALES)
def set_tier(customer_id: int):
    """Set or override the tier with a reason."""
    user = _current()
    customer = load_customer(user, customer_id, "set_tier")
    form = TierForm()
    if form.validate_on_submit():
        try:
            tiers.set_tier(user, customer, form.tier.data, form.reason.data)
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            flash(_("Tier changed to %(tier)s.", tier=customer.tier), "success")
            return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    return render("customers/show.html", "customers/_tier_panel.html", **_page_context(user, customer, tier_form=form))


@bp.route("/<int:customer_id>/archive", methods=["POST"])
@roles_required(*SALES)
def archive(customer_id: int):
    """Archive a customer: gone from lists and search, history kept, a supervisor can restore."""
    user = _current()
    customer = load_customer(user, customer_id, "archive")
    form = ArchiveForm()
    if not form.validate_on_submit():
        refused_number = NoPersonalNumbers.message in form.reason.errors
        flash(str(NoPersonalNumbers.message) if refused_number else _("Please give a reason for archiving."), "warning")
        return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    records.archive_customer(user, customer, form.reason.data)
    db.session.commit()
    flash(_("Customer archived."), "success")
    return redirect_or_hx(url_for("customers.index"))


@bp.route("/<int:customer_id>/restore", methods=["POST"])
@roles_required("supervisor")
def restore(customer_id: int):
    """Bring an archived customer back into lists and search."""
    user = _current()
    customer = load_customer(user, customer_id, "restore")
    records.restore_customer(user, customer)
    db.session.commit()
    flash(_("Customer restored."), "success")
    return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
