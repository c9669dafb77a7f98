"""Introducer routes (absolute rules on this blueprint): partners at /partners/..., the introducer parts of
a customer at /customers/<id>/..., the leaderboard at /referrals/introducers. Read, load, call, commit, render."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import read_only, roles_required
from app.core import policies
from app.core.extensions import db
from app.core.htmx import is_htmx_request, redirect_or_hx, render
from app.core.refusals import InvalidInput, put_on_form
from app.customers.loaders import load_customer
from app.customers.search import branch_choices, id_param, normalise_term
from app.introducers import asking, bp, graph, leaderboard, links, panel, partners, picker
from app.introducers.forms import AskIntroductionsForm, IntroducerForm, PartnerForm
from app.introducers.graph import Ref
from app.introducers.loaders import load_partner
from app.models import PARTNER_CATEGORY_LABELS, User

SALES = ("manager", "supervisor")
READERS = ("manager", "supervisor", "admin")


def _current() -> User:
    return current_user._get_current_object()


@bp.app_template_global()
def introducer_pick(raw: str | None):
    """The picker's chosen introducer, for a form shown again (templates of both areas call it)."""
    return picker.selected(_current(), raw)


# ---------------------------------------------------------------- partners


@bp.route("/partners/")
@roles_required(*READERS)
def partners_index():
    """Partners of the branch, searched by name (the table is the htmx fragment)."""
    term, category = normalise_term(request.args.get("q")), request.args.get("category", "")[:12]
    page = id_param(request.args.get("page")) or 1
    rows, has_next = partners.list_partners(_current(), term, category, page=page)
    return render("introducers/partners.html", "introducers/_partner_table.html", rows=rows, q=term,
                  category=category, page_no=page, has_next=has_next, categories=PARTNER_CATEGORY_LABELS)


@bp.route("/partners/new", methods=["GET", "POST"])
@roles_required(*SALES)
def new_partner():
    user = _current()
    form = PartnerForm.for_user(user)
    if form.validate_on_submit():
        partner = partners.create_partner(user, form.to_data())
        db.session.commit()
        flash(_("Partner %(name)s created.", name=partner.name), "success")
        return redirect_or_hx(url_for("introducers.show_partner", partner_id=partner.id))
    return render("introducers/partner_form.html", form=form, partner=None, action=url_for("introducers.new_partner"))


@bp.route("/partners/<int:partner_id>")
@roles_required(*READERS)
def show_partner(partner_id: int):
    """The partner, the yield of everyone they introduced, and the first level of that tree."""
    user = _current()
    partner = load_partner(user, partner_id, "view")
    level, more = panel.level_nodes(user, Ref("p", partner.id))
    return render("introducers/partner.html", partner=partner, level=level, more_after=more,
                  partner_yield=graph.yield_of(Ref("p", partner.id)), parent=f"p:{partner.id}")


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@roles_required(*SALES)
def edit_partner(partner_id: int):
    user = _current()
    partner = load_partner(user, partner_id, "edit")
    form = PartnerForm.for_user(user, partner, fill=request.method == "GET")
    status = 200
    if form.validate_on_submit():
        try:
            changed = partners.update_partner(user, partner, form.to_data(), expected_version=form.expected_version)
        except InvalidInput as exc:
            put_on_form(exc, form)
            form.version.data, status = str(partner.version), 409  # saving again keeps this person's version
        else:
            db.session.commit()
            flash(_("Changes saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
            return redirect_or_hx(url_for("introducers.show_partner", partner_id=partner.id))
    return render("introducers/partner_form.html", form=form, partner=partner, action=request.path, status=status)


@bp.route("/partners/<int:partner_id>/archive", methods=["POST"])
@roles_required(*SALES)
def archive_partner(partner_id: int):
    """Archive a partner: gone from the list and the picker; who they introduced stays linked."""
    partner = load_partner(_current(), partner_id, "archive")
    partners.archive_partner(_current(), partner)
    db.session.commit()
    flash(_("Partner archived."), "success")
    return redirect_or_hx(url_for("introducers.partners_index"))


# ---------------------------------------------------------------- trees, level by level


@bp.route("/partners/<int:partner_id>/tree")
@roles_required(*READERS)
def partner_tree(partner_id: int):
    """The next page of the customers a partner introduced (the 'show more' fragment)."""
    partner = load_partner(_current(), partner_id, "view")
    return _level(Ref("p", partner.id))


@bp.route("/customers/<int:customer_id>/tree")
@roles_required(*READERS)
def customer_tree(customer_id: int):
    """Who a customer introduced: one level, one statement (expanding a node, or 'show more')."""
    customer = load_customer(_current(), customer_id, "view")
    return _level(Ref("c", customer.id))


def _level(parent: Ref):
    nodes, more = panel.level_nodes(_current(), parent, after=id_param(request.args.get("after")) or 0)
    return render("introducers/tree.html", "introducers/_level.html", level=nodes, more_after=more,
                  parent=str(parent))


# ---------------------------------------------------------------- a customer's introducer


@bp.route("/introducers/picker", methods=["POST"])
@roles_required(*SALES)
@read_only
def picker_results():
    """Search-as-you-type among the customers and partners the user can see (POST: no term in a URL)."""
    picks = picker.find(_current(), request.form.get("introducer_q"))
    return render("introducers/_picks.html", "introducers/_picks.html", picks=picks,
                  typed=bool(normalise_term(request.form.get("introducer_q"))))


@bp.route("/customers/<int:customer_id>/introductions")
@roles_required(*READERS)
def customer_panel(customer_id: int):
    """The customer page's introductions panel (loaded after the page): chain, introducer form, history, yield
    and the first tree level."""
    user = _current()
    customer = load_customer(user, customer_id, "view")
    return render("introducers/introducer.html", "introducers/_customer_panel.html", customer=customer,
                  intro=panel.customer_panel(user, customer))


@bp.route("/customers/<int:customer_id>/introducer", methods=["POST"])
@roles_required(*SALES)
def set_introducer(customer_id: int):
    """Set, change (with a reason) or remove who introduced the customer; refused loops show on the field."""
    user = _current()
    customer = load_customer(user, customer_id, "edit")
    form = IntroducerForm()
    if form.validate_on_submit():
        try:
            links.change_introducer(user, customer, form.introducer.data, remove=bool(request.form.get("remove")),
                                    reason=form.reason.data)
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            flash(_("Introducer saved."), "success")
            return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    return render("introducers/introducer.html", "introducers/_customer_panel.html", customer=customer,
                  intro=panel.customer_panel(user, customer, form), status=422)


# ---------------------------------------------------------------- asking for introductions


@bp.route("/customers/<int:customer_id>/introductions", methods=["POST"])
@roles_required(*SALES)
def record_introductions(customer_id: int):
    """Create the 1-3 prospects a satisfied customer just introduced, all or none."""
    user = _current()
    customer = load_customer(user, customer_id, "log_activity")
    form = AskIntroductionsForm()
    created = []
    if form.validate_on_submit():
        try:
            created = asking.record_introductions(user, customer, form)
        except InvalidInput as exc:
            db.session.rollback()
            form.put_errors(exc.errors)
        else:
            db.session.commit()
            flash(_("%(count)d introduced prospects recorded.", count=len(created)), "success")
            if not is_htmx_request():
                return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
    return render("introducers/ask.html", "introducers/_ask.html", customer=customer, ask_form=form,
                  created=created, status=200 if created else 422)


# ---------------------------------------------------------------- the leaderboard


@bp.route("/referrals/introducers")
@roles_required(*READERS)
def leaderboard_page():
    """Introducers ranked by introductions in the period, with the yield of their whole tree."""
    user = _current()
    period = leaderboard.Period.from_args(request.args)
    branch = id_param(request.args.get("branch")) if policies.sees_every_branch(user) else None
    board = leaderboard.board(user, period, page=id_param(request.args.get("page")) or 1, branch_id=branch)
    return render("introducers/leaderboard.html", "introducers/_board.html", board=board,
                  periods=leaderboard.PERIODS, branches=branch_choices() if policies.sees_every_branch(user) else ())
