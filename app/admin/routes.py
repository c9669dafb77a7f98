"""Admin pages: branches, teams and staff accounts. Administrators only; nothing is ever deleted."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.admin import bp, services
from app.admin.forms import (
    BranchForm,
    ConfirmForm,
    EditUserForm,
    NewUserForm,
    RhythmForm,
    TeamForm,
    TierRuleForm,
    UserFilterForm,
)
from app.auth.decorators import fresh_login_required, roles_required
from app.core.extensions import db
from app.core.forms import Form
from app.core.htmx import is_htmx_request, redirect_or_hx, render
from app.core.refusals import InvalidInput, put_on_form
from app.customers import tiers
from app.followups import rhythm
from app.models import ROLE_LABELS, Branch, Team, TierRule, User

USERS_PER_PAGE = 50


def _actor() -> User:
    return current_user._get_current_object()


def _answer(page: str, partial: str, target_url: str, **context):
    """After a button POST: the re-rendered fragment plus flash for htmx, else Post/Redirect/Get."""
    if is_htmx_request():
        return render(page, partial, **context)
    return redirect(target_url, 303)


def _branch_choices(empty_label) -> list[SelectChoice]:
    branches = db.session.scalars(select(Branch).order_by(Branch.active.desc(), Branch.code))
    choices = [SelectChoice("", str(empty_label))]
    for b in branches:
        label = f"{b.code} {b.name}" if b.active else f"{b.code} {b.name} ({_('deactivated')})"
        choices.append(SelectChoice(str(b.id), label))
    return choices


@bp.route("/")
@roles_required("admin")
def index():
    """Dashboard with counts of branches, teams and staff; administrators only."""
    return render_template("admin/index.html", counts=services.org_counts(), role_labels=ROLE_LABELS)


# Branches


@bp.route("/branches")
@roles_required("admin")
def branches():
    """Every branch, active ones first; administrators only."""
    rows = db.session.scalars(select(Branch).order_by(Branch.active.desc(), Branch.code)).all()
    return render_template(
        "admin/branches.html",
        branches=rows,
        staff=services.active_staff_by(User.branch_id),
    )


def _rules(form: BranchForm) -> dict:
    return {"referral_access": form.referral_access.data, "referral_accept_hours": form.referral_accept_hours.data}


@bp.route("/branches/new", methods=["GET", "POST"])
@roles_required("admin")
def new_branch():
    """Show the new-branch form and create the branch; administrators only."""
    form = BranchForm()
    if form.validate_on_submit():
        try:
            branch = services.create_branch(_actor(), code=form.code.data, name=form.name.data, **_rules(form))
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            flash(_("Branch %(code)s created.", code=branch.code), "success")
            return redirect(url_for("admin.teams", branch_id=branch.id), 303)
    return render_template("admin/branch_form.html", form=form, branch=None)


@bp.route("/branches/<int:branch_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_branch(branch_id: int):
    """Change a branch's code or name; administrators only."""
    branch = db.get_or_404(Branch, branch_id)
    form = BranchForm(obj=branch)
    if form.validate_on_submit():
        try:
            changes = services.update_branch(_actor(), branch, code=form.code.data, name=form.name.data,
                                              **_rules(form))
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            flash(_("Branch saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("admin.branches"), 303)
    return render_template("admin/branch_form.html", form=form, branch=branch)


def _switch(change, record, done: str) -> None:
    """Run an activate/deactivate service: commit and confirm if it changed something, else show why not."""
    try:
        if change(_actor(), record):
            db.session.commit()
            flash(done, "success")
    except InvalidInput as exc:
        put_on_form(exc)


def _branch_row(branch: Branch):
    return _answer("admin/branches.html", "admin/_branch_row.html", url_for("admin.branches"),
                   branch=branch, staff=services.active_staff_by(User.branch_id))


@bp.route("/branches/<int:branch_id>/deactivate", methods=["POST"])
@roles_required("admin")
def deactivate_branch(branch_id: int):
    """Close a branch without active staff; administrators only."""
    branch = db.get_or_404(Branch, branch_id)
    _switch(services.deactivate_branch, branch, _("Branch %(code)s deactivated.", code=branch.code))
    return _branch_row(branch)


@bp.route("/branches/<int:branch_id>/reactivate", methods=["POST"])
@roles_required("admin")
def reactivate_branch(branch_id: int):
    """Reopen a branch; administrators only."""
    branch = db.get_or_404(Branch, branch_id)
    _switch(services.reactivate_branch, branch, _("Branch %(code)s reactivated.", code=branch.code))
    return _branch_row(branch)


# Teams


@bp.route("/branches/<int:branch_id>/teams")
@roles_required("admin")
def teams(branch_id: int):
    """The teams of one branch with leader and member count; administrators only."""
    branch = db.get_or_404(Branch, branch_id)
    rows = db.session.scalars(
        select(Team).where(Team.branch_id == branch.id).order_by(Team.active.desc(), Team.name)
    ).all()
    return render_template("admin/teams.html", branch=branch, teams=rows, members=services.active_staff_by(User.team_id))


def _leader_choices(form: TeamForm, branch: Branch, team: Team | None = None) -> None:
    current = team.leader if team is not None else None
    form.leader_id.choices = [SelectChoice("", _("No leader"))] + [
        SelectChoice(str(u.id), f"{u.display_name} ({u.username}, {u.role_label})")
        for u in services.leader_candidates(branch, current)
    ]


@bp.route("/branches/<int:branch_id>/teams/new", methods=["GET", "POST"])
@roles_required("admin")
def new_team(branch_id: int):
    """Show the new-team form and add the team to the branch; administrators only."""
    branch = db.get_or_404(Branch, branch_id)
    form = TeamForm()
    _leader_choices(form, branch)
    if form.validate_on_submit():
        try:
            team = services.create_team(_actor(), branch, name=form.name.data, leader_id=form.leader_id.data)
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            flash(_("Team %(name)s created.", name=team.name), "success")
            return redirect(url_for("admin.teams", branch_id=branch.id), 303)
    return render_template("admin/team_form.html", form=form, branch=branch, team=None)


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_team(team_id: int):
    """Rename a team or change its leader; administrators only."""
    team = db.get_or_404(Team, team_id)
    branch = team.branch
    form = TeamForm(obj=team)
    _leader_choices(form, branch, team)
    if form.validate_on_submit():
        try:
            changes = services.update_team(_actor(), team, name=form.name.data, leader_id=form.leader_id.data)
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            flash(_("Team saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("admin.teams", branch_id=branch.id), 303)
    return render_template("admin/team_form.html", form=form, branch=branch, team=team)


def _team_row(team: Team):
    return _answer("admin/teams.html", "admin/_team_row.html", url_for("admin.teams", branch_id=team.branch_id),
                   team=team, members=services.active_staff_by(User.team_id))


@bp.route("/teams/<int:team_id>/deactivate", methods=["POST"])
@roles_required("admin")
def deactivate_team(team_id: int):
    """Close a team without active members; administrators only."""
    team = db.get_or_404(Team, team_id)
    _switch(services.deactivate_team, team, _("Team %(name)s deactivated.", name=team.name))
    return _team_row(team)


@bp.route("/teams/<int:team_id>/reactivate", methods=["POST"])
@roles_required("admin")
def reactivate_team(team_id: int):
    """Reopen a team of an active branch; administrators only."""
    team = db.get_or_404(Team, team_id)
    _switch(services.reactivate_team, team, _("Team %(name)s reactivated.", name=team.name))
    return _team_row(team)


# Users


@bp.route("/users")
@roles_required("admin")
def users():
    """Staff list with filters and search; the table alone for htmx. Administrators only."""
    filters = UserFilterForm(formdata=request.args)
    filters.branch.choices = _branch_choices(_l("All branches"))
    filters.validate()
    # A filter that does not parse is ignored rather than answered with an error page.
    values = {name: (None if filters[name].errors else filters[name].data) for name in ("q", "branch", "role", "status")}
    pagination = db.paginate(
        services.user_list_query(q=values["q"], branch_id=values["branch"], role=values["role"], status=values["status"]),
        page=request.args.get("page", 1, type=int),
        per_page=USERS_PER_PAGE,
        error_out=False,
    )
    args = {name: value for name, value in values.items() if value not in (None, "")}
    return render("admin/users.html", "admin/_user_table.html", filters=filters, pagination=pagination, args=args)


def _user_choices(form, user: User | None = None) -> None:
    """Branch and team choices: active ones plus whatever the user has now."""
    form.branch_id.choices = _branch_choices(_l("No branch (administrators only)"))
    stmt = select(Team).join(Team.branch).order_by(Branch.code, Team.name)
    teams = [
        t for t in db.session.scalars(stmt)
        if (t.active and t.branch.active) or (user is not None and t.id == user.team_id)
    ]
    form.team_id.choices = [SelectChoice("", _("No team"))] + [
        SelectChoice(str(t.id), f"{t.branch.code} · {t.name}") for t in teams
    ]


def _user_values(form) -> dict:
    """The fields an admin may set on an account (an allowlist: nothing else is read from the body)."""
    return {
        "display_name": form.display_name.data,
        "employee_no": form.employee_no.data,
        "role": form.role.data,
        "specialty": form.specialty.data,
        "branch_id": form.branch_id.data,
        "team_id": form.team_id.data,
        "language": form.language.data,
    }


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
@fresh_login_required
def new_user():
    """Open a staff account and show its one-time password once; administrators only."""
    form = NewUserForm()
    _user_choices(form)
    if form.validate_on_submit():
        try:
            user, password = services.create_user(_actor(), username=form.username.data, **_user_values(form))
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            # Rendered in this response, never redirected: the password must not reach a URL, session or log.
            return render_template("admin/one_time_password.html", user=user, password=password, created=True)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>")
@roles_required("admin")
def user(user_id: int):
    """One staff account with its status, actions and history; administrators only."""
    user = db.get_or_404(User, user_id)
    return render_template("admin/user.html", **_user_card_context(user), history=services.user_history(user))


def _user_card_context(user: User) -> dict:
    led = db.session.scalars(select(Team).where(Team.leader_id == user.id).order_by(Team.name)).all()
    return {"user": user, "live_sessions": services.live_session_count(user), "led_teams": led}


def _user_card(user: User):
    return _answer("admin/user.html", "admin/_user_card.html", url_for("admin.user", user_id=user.id),
                   **_user_card_context(user))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
@fresh_login_required
def edit_user(user_id: int):
    """Change a staff account (not the username); administrators only."""
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user)
    _user_choices(form, user)
    if form.validate_on_submit():
        try:
            changes = services.update_user(_actor(), user, **_user_values(form), active=form.active.data)
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            if changes:
                flash(_("Account saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("admin.user", user_id=user.id), 303)
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required("admin")
def deactivate_user(user_id: int):
    """Disable an account and end its sessions (never a delete); administrators only, not on themselves."""
    user = db.get_or_404(User, user_id)
    _switch(services.deactivate_user, user, _("%(name)s is deactivated and signed out everywhere.", name=user.display_name))
    return _user_card(user)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@roles_required("admin")
def reactivate_user(user_id: int):
    """Enable an account again; administrators only."""
    user = db.get_or_404(User, user_id)
    _switch(services.reactivate_user, user, _("%(name)s can sign in again.", name=user.display_name))
    return _user_card(user)


@bp.route("/users/<int:user_id>/sign-out", methods=["POST"])
@roles_required("admin")
def revoke_sessions(user_id: int):
    """Sign a user out everywhere; administrators only."""
    user = db.get_or_404(User, user_id)
    ended = services.revoke_user_sessions(_actor(), user)
    db.session.commit()
    flash(_("%(count)d sessions ended.", count=ended), "success")
    if user.id == current_user.id:
        return redirect_or_hx(url_for("auth.login"))  # their own session ended too
    return _user_card(user)


@bp.route("/users/<int:user_id>/reset-password", methods=["GET", "POST"])
@roles_required("admin")
@fresh_login_required
def reset_password(user_id: int):
    """Ask for confirmation, then give the user a new one-time password shown once; administrators only."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            password = services.reset_password(_actor(), user)
        except InvalidInput as exc:
            put_on_form(exc)
            return redirect(url_for("admin.user", user_id=user.id), 303)
        db.session.commit()
        return render_template("admin/one_time_password.html", user=user, password=password, created=False)
    return render_template("admin/reset_password.html", user=user, form=form)


@bp.route("/team-options")
@roles_required("admin")
def team_options():
    """The <option>s of the team select for one branch (htmx, when the branch changes); administrators only."""
    branch_id = request.args.get("branch_id", type=int)
    teams = []
    if branch_id is not None:
        teams = db.session.scalars(
            select(Team).where(Team.branch_id == branch_id, Team.active.is_(True)).order_by(Team.name)
        ).all()
    return render_template("admin/_team_options.html", teams=teams)


# Tier rules


@bp.route("/tier-rules", methods=["GET", "POST"])
@roles_required("admin")
def tier_rules():
    """The rule table that suggests A/B/C tiers, and a form to add a rule; administrators only."""
    form = TierRuleForm()
    if form.validate_on_submit():
        tiers.create_tier_rule(_actor(), tier=form.tier.data, metric=form.metric.data,
                               threshold=form.threshold_value())
        db.session.commit()
        flash(_("Rule added."), "success")
        return redirect(url_for("admin.tier_rules"), 303)
    return render_template("admin/tier_rules.html", rules=tiers.all_tier_rules(), form=form)


@bp.route("/tier-rules/<int:rule_id>/toggle", methods=["POST"])
@roles_required("admin")
def toggle_tier_rule(rule_id: int):
    """Switch a tier rule off or on (rules are kept, never deleted); administrators only."""
    rule = db.get_or_404(TierRule, rule_id)
    if not Form().validate_on_submit():
        abort(400)
    tiers.toggle_tier_rule(_actor(), rule)
    db.session.commit()
    return redirect(url_for("admin.tier_rules"), 303)


@bp.route("/rhythm", methods=["GET", "POST"])
@roles_required("admin")
def tier_rhythm():
    """Days between return visits for tiers A, B and C (1–730 each); administrators only."""
    form = RhythmForm()
    if form.validate_on_submit():
        try:
            rhythm.set_rhythm(_actor(), form.values())
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            flash(_("Return-visit rhythm saved. It applies to the next visits planned."), "success")
            return redirect(url_for("admin.tier_rhythm"), 303)
    elif request.method == "GET":
        for tier, days in rhythm.rhythm_days().items():
            form[f"days_{tier}"].data = str(days)
    return render_template("admin/rhythm.html", form=form)
