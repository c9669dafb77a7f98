"""Customer routes: thin; load with scoping, check with policies, act with services, commit once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from app.auth.decorators import read_only, roles_required
from app.auth.guard import safe_referrer
from app.auth.services import is_fresh
from app.core import audit, policies, refdata
from app.core.extensions import db, limiter
from app.core.forms import blank_form
from app.core.htmx import hx_redirect, is_htmx_request, redirect_or_hx, render
from app.core.scoping import (
    MAX_ID,
    audit_events_visible_to,
    get_customer_or_404,
    owner_choices,
    staff_visible_to,
)
from app.core.validation import classify_search_term, is_individual_business, parse_id_number
from app.customers import bp, listing
from app.customers import services as svc
from app.customers.forms import (
    ActivityForm,
    ArchiveForm,
    CustomerForm,
    ReassignForm,
    RevealForm,
    TierForm,
    options,
)
from app.customers.presenters import list_rows
from app.models import AuditEvent, Customer, User

SALES = ("manager", "supervisor")
READERS = ("manager", "supervisor", "admin")


def _current() -> User:
    return current_user._get_current_object()


def _branch_managers(user: User) -> list:
    """The owner picker's rows, read fresh (a form that saves an owner must not offer a stale list)."""
    return db.session.execute(owner_choices(user)).all()


# ---------------------------------------------------------------- list and search


def id_param(raw: str | None) -> int | None:
    """A positive database id from a query parameter, or None (never an error for odd input)."""
    if raw is None or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def _filters_from(values) -> svc.CustomerFilters:
    def as_int(name: str) -> int | None:
        return id_param(values.get(name))

    sort = values.get("sort", "updated")
    return svc.CustomerFilters(
        q=(values.get("q") or "").strip()[:60],
        tier=values.get("tier", "") if values.get("tier", "") in ("A", "B", "C") else "",
        status=values.get("status", "")[:12],
        source=values.get("source", "")[:20],
        owner_id=as_int("owner"),
        team_id=as_int("team"),
        sort=sort if sort in listing.SORTS else "updated",
        page=as_int("page") or 1,
    )


def _url_params(filters: svc.CustomerFilters, **override) -> dict:
    """Filters as URL parameters; personal numbers never go into a URL (security.md F3)."""
    kind, _value = classify_search_term(filters.q)
    params = {
        "q": filters.q if kind == "name" else None,
        "tier": filters.tier or None,
        "status": filters.status or None,
        "source": filters.source or None,
        "owner": filters.owner_id,
        "team": filters.team_id,
        "sort": filters.sort if filters.sort != "updated" else None,
        "page": filters.page if filters.page > 1 else None,
    }
    params.update(override)
    return {k: v for k, v in params.items() if v not in (None, "")}


def _list_context(filters: svc.CustomerFilters) -> dict:
    user = _current()
    result = svc.search_customers(user, filters, per_page=current_app.config["CUSTOMERS_PER_PAGE"])
    can_reassign = policies.can_reassign(user)
    full_page = not is_htmx_request()
    # The filter form (full page) and the reassign select need the branch's staff; a table fragment may not.
    owners = refdata.managers(user) if full_page or can_reassign else ()
    teams = refdata.teams(user) if full_page else ()
    page = result.page
    return {
        "result": result,
        "rows": list_rows(user, result.rows),
        "filters": filters,
        "owners": owners,
        "teams": teams,
        # The pager's links (for no-JS use and "open in new tab"); htmx posts the filter form with the page.
        "prev_url": url_for("customers.index", **_url_params(filters, page=page - 1)) if result.has_prev else "",
        "next_url": url_for("customers.index", **_url_params(filters, page=page + 1)) if result.has_next else "",
        "reassign_form": ReassignForm() if can_reassign else None,
    }


@bp.route("/")
@roles_required(*READERS)
def index():
    """The customer list: the full page, or the table fragment for htmx (filters in the URL)."""
    filters = _filters_from(request.args)
    if classify_search_term(filters.q)[0] != "name":
        filters.q = ""  # numbers are searched by POST only, never from a URL
    return render("customers/index.html", "customers/_table.html", **_list_context(filters))


def _is_number_search() -> bool:
    return classify_search_term(request.form.get("q", ""))[0] not in ("name",)


def _number_search_limit() -> str:
    return current_app.config["SEARCH_NUMBER_LIMIT"]


def _per_user() -> str:
    return f"user:{current_user.get_id()}"


@bp.route("/search", methods=["POST"])
@limiter.limit(_number_search_limit, key_func=_per_user, exempt_when=lambda: not _is_number_search())
@roles_required(*READERS)
@read_only
def search():
    """Active search as you type; POST so a mobile or ID number never lands in a URL or a log."""
    filters = _filters_from(request.form)
    context = _list_context(filters)
    if _is_number_search() and not is_htmx_request():
        # The full page (no JavaScript) must not echo the typed number back into the search box.
        context["filters"] = dataclasses.replace(filters, q="")
    response = render("customers/index.html", "customers/_table.html", **context)
    response.headers["HX-Push-Url"] = url_for("customers.index", **_url_params(filters))
    return response


@bp.route("/archived")
@roles_required("supervisor")
def archived():
    """Archived customers of the branch, for a supervisor to restore."""
    user = _current()
    rows = db.session.scalars(
        svc.customers_visible_to(user, include_archived=True)
        .where(Customer.archived_at.isnot(None))
        .options(joinedload(Customer.owner))
        .order_by(Customer.archived_at.desc()).limit(200)
    ).all()
    return render("customers/archived.html", rows=rows)


@bp.route("/reassign", methods=["POST"])
@roles_required("supervisor")
def reassign():
    """Give the selected customers to another manager of the branch."""
    user = _current()
    form = ReassignForm()
    form.owner_id.choices = options((m.id, m.display_name) for m in _branch_managers(user))
    ids = [i for i in map(id_param, request.form.getlist("selected_ids")) if i is not None]
    if not form.validate_on_submit() or not ids:
        flash(_("Choose at least one customer and the new owner."), "warning")
    else:
        moved = svc.reassign_customers(user, ids, form.owner_id.data)
        db.session.commit()
        flash(_("%(count)d customers reassigned.", count=len(moved)), "success")
    return redirect_or_hx(safe_referrer() or url_for("customers.index"))



# ---------------------------------------------------------------- create and edit


def _customer_form(customer: Customer | None = None) -> CustomerForm:
    user = _current()
    form = CustomerForm(
        obj=None,
        editing_has_mobile=bool(customer and customer.mobile_enc),
        editing_has_id=bool(customer and customer.id_number_enc),
    )
    if user.role == "supervisor":
        form.owner_id.choices = options((m.id, m.display_name) for m in _branch_managers(user))
        if customer is not None and customer.owner_id not in {c.value for c in form.owner_id.choices}:
            form.owner_id.choices.insert(0, SelectChoice(customer.owner_id, customer.owner.display_name))
    else:
        del form.owner_id  # managers own what they create; the field is not even bound
    return form


def _fill_form(form: CustomerForm, customer: Customer) -> None:
    """Put the stored values into the form; personal numbers stay out of the page."""
    for name in ("kind", "name", "occupation", "area", "address", "income_band", "asset_band", "industry",
                 "contact_name", "turnover_band", "needs", "products_held", "source", "status", "notes",
                 "marketing_consent", "sensitive_consent"):
        getattr(form, name).data = getattr(customer, name) if getattr(customer, name) is not None else ""
    # A 个体工商户's credit code identifies a person: like an ID number it stays out of the page.
    if customer.uscc and not is_individual_business(customer.uscc):
        form.uscc.data = customer.uscc
    form.products_held.data = customer.products_held
    form.loan_need_wan.data = customer.loan_need_amount // 10_000 if customer.loan_need_amount else None
    if "owner_id" in form:
        form.owner_id.data = customer.owner_id
    form.version.data = str(customer.version)


def _data_from(form: CustomerForm, customer: Customer | None = None) -> svc.CustomerData:
    mobile = form.parsed_mobile
    if mobile is None and customer is not None:
        mobile = customer.mobile  # left empty on edit: keep what is stored
    id_info = form.parsed_id
    if id_info is None and customer is not None and customer.id_number and not form.clear_id_number.data:
        id_info = parse_id_number(customer.id_number)
    business = form.kind.data == "business"
    return svc.CustomerData(
        kind=form.kind.data,
        name=form.name.data.strip(),
        source=form.source.data,
        status=form.status.data,
        mobile=mobile,
        id_number=None if business else id_info,
        occupation=None if business else (form.occupation.data or None),
        area=form.area.data or None,
        address=form.address.data or None,
        income_band=None if business else (form.income_band.data or None),
        asset_band=None if business else (form.asset_band.data or None),
        uscc=(form.parsed_uscc or (customer.uscc if customer is not None and not form.uscc.data else None))
        if business else None,
        industry=(form.industry.data or None) if business else None,
        contact_name=(form.contact_name.data or None) if business else None,
        turnover_band=(form.turnover_band.data or None) if business else None,
        needs=form.needs.data or None,
        loan_need_amount=form.loan_need_wan.data * 10_000 if form.loan_need_wan.data else None,
        products_held=form.products_held.data or 0,
        marketing_consent=bool(form.marketing_consent.data),
        sensitive_consent=bool(form.sensitive_consent.data),
        notes=form.notes.data or None,
        owner_id=form.owner_id.data if _current().role == "supervisor" else None,
    )


def _attach_duplicates(form: CustomerForm, matches: list[svc.DuplicateMatch]) -> None:
    for match in matches:
        target = getattr(form, match.field if match.field != "uscc" else "uscc")
        target.errors = list(target.errors) + [_duplicate_message(match)]


def _duplicate_message(match: svc.DuplicateMatch) -> str:
    if match.elsewhere:
        return _("This customer already exists in another branch. Please ask your supervisor.")
    return _("A customer with this number already exists in your branch (see below).")


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*SALES)
def new():
    """Create a customer; bad input is shown next to the field and nothing is saved."""
    user = _current()
    form = _customer_form()
    duplicates: list[svc.DuplicateMatch] = []
    if form.validate_on_submit():
        try:
            customer = svc.create_customer(user, _data_from(form))
        except svc.DuplicateCustomer as exc:
            db.session.rollback()
            duplicates = exc.matches
            _attach_duplicates(form, duplicates)
        except svc.PolicyError:
            abort(403)
        else:
            db.session.commit()
            flash(_("Customer %(name)s created.", name=customer.name), "success")
            return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    return render("customers/new.html", "customers/_form.html", form=form, customer=None,
                  duplicates=duplicates, action=url_for("customers.new"))


def _not_a_number_check() -> bool:
    return (request.view_args or {}).get("field_name") not in ("mobile", "id_number", "uscc")


@bp.route("/validate/<field_name>", methods=["POST"])
# The duplicate check tells whether a number exists anywhere in the bank: limited like number searches.
@limiter.limit(_number_search_limit, key_func=_per_user, exempt_when=_not_a_number_check)
@roles_required(*SALES)
@read_only
def validate_field(field_name: str):
    """Inline validation as the user types: the same form rules plus the duplicate check."""
    if field_name not in ("mobile", "id_number", "uscc", "name", "contact_name"):
        abort(404)
    customer = None
    customer_id = request.form.get("customer_id", type=int)
    if customer_id:
        customer = get_customer_or_404(_current(), customer_id)
    form = _customer_form(customer)
    form.validate()
    field = getattr(form, field_name)
    errors = list(field.errors)
    duplicates: list[svc.DuplicateMatch] = []
    if not errors and field_name in ("mobile", "id_number", "uscc"):
        value = {"mobile": form.parsed_mobile, "id_number": form.parsed_id.number if form.parsed_id else None,
                 "uscc": form.parsed_uscc}[field_name]
        if value:
            duplicates = svc.find_duplicates(
                _current(), branch_id=customer.branch_id if customer else _current().branch_id,
                exclude_id=customer.id if customer else None, **{field_name: value})
    return render_template("customers/_field_feedback.html", field=field, errors=errors, duplicates=duplicates,
                           duplicate_message=_duplicate_message)


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@roles_required(*SALES)
def edit(customer_id: int):
    """Edit a customer with optimistic locking: a stale save is refused with a view of what changed."""
    user = _current()
    customer = get_customer_or_404(user, customer_id)
    if not policies.can_edit_customer(user, customer):
        abort(403)
    form = _customer_form(customer)
    if request.method == "GET":
        _fill_form(form, customer)
    conflict = None
    duplicates: list[svc.DuplicateMatch] = []
    status = 200
    if form.validate_on_submit():
        try:
            expected = int(form.version.data or 0)
        except ValueError:
            expected = 0
        try:
            changed = svc.update_customer(user, customer, _data_from(form, customer), expected_version=expected)
            db.session.commit()
        except svc.EditConflict as exc:
            db.session.rollback()
            conflict = exc
            form.version.data = str(customer.version)  # saving again now overwrites knowingly
            status = 409
        except StaleDataError:
            db.session.rollback()
            customer = get_customer_or_404(user, customer_id)
            conflict = svc.EditConflict(customer, [])
            form.version.data = str(customer.version)
            status = 409
        except svc.DuplicateCustomer as exc:
            db.session.rollback()
            duplicates = exc.matches
            _attach_duplicates(form, duplicates)
        except svc.PolicyError:
            db.session.rollback()
            abort(403)
        else:
            if changed:
                flash(_("Changes saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    return render("customers/edit.html", "customers/_form.html", status=status, form=form, customer=customer,
                  conflict=conflict, duplicates=duplicates,
                  action=url_for("customers.edit", customer_id=customer.id))


# ---------------------------------------------------------------- the customer page


def _page_context(user: User, customer: Customer) -> dict:
    entries, has_more = svc.customer_timeline(customer)
    # Empty forms for the ones the user may use (the template shows no others); a route re-rendering
    # a refused submission puts its own form in their place.
    return {
        "customer": customer,
        "full": policies.sees_full_record(user, customer),
        "entries": entries,
        "has_more": has_more,
        "activity_form": blank_form(ActivityForm) if policies.can_log_activity(user, customer) else None,
        "tier_form": blank_form(TierForm) if policies.can_set_tier(user, customer) else None,
        "suggested_tier": svc.suggest_tier(customer, refdata.tier_rules()),
        "reveal_form": blank_form(RevealForm) if policies.can_reveal(user, customer) else None,
        "archive_form": blank_form(ArchiveForm) if policies.can_archive(user, customer) else None,
        "can": policies,
    }


@bp.route("/<int:customer_id>")
@roles_required(*READERS)
def show(customer_id: int):
    """The customer information sheet and the timeline; every view is audited."""
    user = _current()
    customer = get_customer_or_404(user, customer_id)
    if not policies.can_view_customer(user, customer):
        abort(404)
    return _audited_view(user, customer, render("customers/show.html", **_page_context(user, customer)))


def _audited_view(user: User, customer: Customer, response):
    """Audit a customer page view after rendering it. A reading request runs without a transaction
    (extensions.request_mode), so the row is one INSERT committed on its own: nothing to upgrade from a
    stale read on SQLite, nothing held open while the page renders. If the row cannot be written, the
    page is not shown."""
    svc.record_view(audit.snapshot(user), customer.id, customer.branch_id)
    db.session.commit()
    return response


@bp.route("/<int:customer_id>/card")
@roles_required("lobby", *READERS)
def card(customer_id: int):
    """The masked summary card (what lobby staff may see)."""
    user = _current()
    customer = get_customer_or_404(user, customer_id, include_archived=False)
    if not policies.can_view_card(user, customer):
        abort(404)
    response = render("customers/card.html", "customers/_card.html", customer=customer,
                      full=policies.sees_full_record(user, customer))
    return _audited_view(user, customer, response)


def _timeline_cursor(args) -> svc.TimelineCursor:
    """The "show older" link's cursor: the last entry shown (its time, kind rank and id); 400 if garbled."""
    try:
        before = datetime.fromisoformat(args.get("before", ""))
    except ValueError:
        abort(400)
    if before.tzinfo is None:
        before = before.replace(tzinfo=UTC)  # the links carry UTC; a hand-typed date means UTC too
    if "before_rank" not in args and "before_id" not in args:
        return svc.TimelineCursor(before)
    rank, entry_id = args.get("before_rank", ""), id_param(args.get("before_id"))
    if not (rank.isascii() and rank.isdigit() and int(rank) < len(svc.TIMELINE_SOURCES)) or entry_id is None:
        abort(400)
    return svc.TimelineCursor(before, int(rank), entry_id)


@bp.route("/<int:customer_id>/timeline")
@roles_required(*READERS)
def timeline(customer_id: int):
    """Older timeline entries (the 'load more' link)."""
    user = _current()
    customer = get_customer_or_404(user, customer_id)
    if not policies.can_view_customer(user, customer):
        abort(404)
    entries, has_more = svc.customer_timeline(customer, before=_timeline_cursor(request.args))
    if is_htmx_request():
        return render("customers/show.html", "customers/_timeline_entries.html", customer=customer,
                      entries=entries, has_more=has_more, full=policies.sees_full_record(user, customer))
    # The plain link (no JavaScript) opens the whole customer page at the older entries: a view like show().
    context = _page_context(user, customer)
    context.update(entries=entries, has_more=has_more)
    return _audited_view(user, customer, render("customers/show.html", **context))


@bp.route("/<int:customer_id>/reveal", methods=["POST"])
@roles_required(*READERS)
def reveal(customer_id: int):
    """Show one full personal number, with a reason and a fresh password; audited."""
    user = _current()
    customer = get_customer_or_404(user, customer_id)
    if not policies.can_reveal(user, customer):
        abort(403)
    form = RevealForm()
    # Nothing stored means nothing to reveal (and no audit row claiming someone saw it).
    if (not form.validate_on_submit() or form.which.data not in svc.REVEALABLE
            or getattr(customer, f"{form.which.data}_enc") is None):
        return render_template("customers/_reveal_form.html", customer=customer, form=form,
                               which=form.which.data), 400
    if not is_fresh(g.get("user_session")):
        target = url_for("auth.reauthenticate", next=url_for("customers.show", customer_id=customer.id))
        return hx_redirect(target, status=401) if request.headers.get("HX-Request") else redirect(target)
    value = svc.reveal_value(user, customer, form.which.data, form.reason.data)
    db.session.commit()
    return render("customers/revealed.html", "customers/_revealed.html", customer=customer,
                  which=form.which.data, value=value)


@bp.route("/<int:customer_id>/activities", methods=["POST"])
@roles_required(*SALES)
def add_activity(customer_id: int):
    """Log a call, visit, message or meeting without leaving the page."""
    user = _current()
    customer = get_customer_or_404(user, customer_id)
    if not policies.can_log_activity(user, customer):
        abort(403)
    form = ActivityForm()
    if form.validate_on_submit():
        svc.log_activity(user, customer, kind=form.kind.data, outcome=form.outcome.data, note=form.note.data)
        db.session.commit()
        flash(_("Activity logged."), "success")
        if not is_htmx_request():
            return redirect(url_for("customers.show", customer_id=customer.id), 303)
        entries, has_more = svc.customer_timeline(customer)
        return render("customers/show.html", "customers/_timeline_and_form.html", customer=customer,
                      entries=entries, has_more=has_more, activity_form=blank_form(ActivityForm),
                      full=policies.sees_full_record(user, customer), can=policies)
    if not is_htmx_request():
        return render("customers/show.html", **{**_page_context(user, customer), "activity_form": form})
    entries, has_more = svc.customer_timeline(customer)
    return render("customers/show.html", "customers/_timeline_and_form.html", customer=customer, entries=entries,
                  has_more=has_more, activity_form=form, full=policies.sees_full_record(user, customer), can=policies)


@bp.route("/<int:customer_id>/tier", methods=["POST"])
@roles_required(*SALES)
def set_tier(customer_id: int):
    """Set or override the tier with a reason."""
    user = _current()
    customer = get_customer_or_404(user, customer_id)
    if not policies.can_set_tier(user, customer):
        abort(403)
    form = TierForm()
    if form.validate_on_submit():
        if form.tier.data == customer.tier:
            form.tier.errors = [_("The customer already has this tier.")]
        else:
            svc.set_tier(user, customer, form.tier.data, form.reason.data)
            db.session.commit()
            flash(_("Tier changed to %(tier)s.", tier=customer.tier), "success")
            return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    context = _page_context(user, customer)
    context["tier_form"] = form
    return render("customers/show.html", "customers/_tier_panel.html", **context)


@bp.route("/<int:customer_id>/archive", methods=["POST"])
@roles_required(*SALES)
def archive(customer_id: int):
    """Archive a customer: gone from lists and search, history kept, a supervisor can restore."""
    user = _current()
    customer = get_customer_or_404(user, customer_id)
    if not policies.can_archive(user, customer):
        abort(403)
    form = ArchiveForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason for archiving."), "warning")
        return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    svc.archive_customer(user, customer, form.reason.data)
    db.session.commit()
    flash(_("Customer archived."), "success")
    return redirect_or_hx(url_for("customers.index"))


@bp.route("/<int:customer_id>/restore", methods=["POST"])
@roles_required("supervisor")
def restore(customer_id: int):
    """Bring an archived customer back into lists and search."""
    user = _current()
    customer = get_customer_or_404(user, customer_id)
    if not policies.can_restore(user, customer):
        abort(403)
    svc.restore_customer(user, customer)
    db.session.commit()
    flash(_("Customer restored."), "success")
    return redirect_or_hx(url_for("customers.show", customer_id=customer.id))


# ---------------------------------------------------------------- audit log


AUDIT_PAGE = 100


@bp.route("/audit")
@roles_required("supervisor", "admin")
def audit_log():
    """The audit log: supervisors read their branch, admin all; filter by customer and by actor."""
    user = _current()
    stmt = audit_events_visible_to(user).options(joinedload(AuditEvent.actor))
    customer_id = id_param(request.args.get("customer"))
    actor_id = id_param(request.args.get("actor"))
    action = request.args.get("action", "")
    if customer_id:
        stmt = stmt.where(AuditEvent.customer_id == customer_id)
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action[:40])
    before = id_param(request.args.get("before"))
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    events = db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE + 1)).all()
    has_more = len(events) > AUDIT_PAGE
    events = events[:AUDIT_PAGE]
    actors = list(db.session.scalars(staff_visible_to(user).order_by(User.display_name)))
    return render("customers/audit.html", "customers/_audit_table.html", events=events, has_more=has_more,
                  actors=actors, customer_id=customer_id, actor_id=actor_id, action=action)
