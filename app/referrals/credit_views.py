"""The credit page's tables: app/referrals/credit.py's numbers with names, as each role may see them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.core import policies
from app.core.extensions import db
from app.models import Branch, Team, User
from app.referrals.credit import Credit, Period, credit, total


@dataclass
class CreditTable:
    title: str
    heading: str  # the first column's heading
    rows: list[tuple[str, Credit]]
    total: Credit | None = None


def _named(names: list[tuple[int, str]], credits: dict, extra: str | None = None) -> list[tuple[str, Credit]]:
    rows = [(name, credits.get(key) or Credit(key)) for key, name in names]
    if extra is not None and None in credits:
        rows.append((extra, credits[None]))
    return rows


def credit_tables(user: User, period: Period) -> list[CreditTable]:
    scopes = policies.credit_scopes(user)
    tables = []
    if scopes == ("person",):
        mine = credit(period, group="person", scope=("person", user.id))
        tables.append(CreditTable(_("Your referral credit"), _("Person"), _named([(user.id, user.display_name)], mine)))
    elif "team" in scopes:
        branch = ("branch", user.branch_id)
        people = db.session.execute(select(User.id, User.display_name).where(
            User.branch_id == user.branch_id, User.role.in_(("lobby", "manager", "supervisor")),
            User.active.is_(True)).order_by(User.display_name, User.id)).all()
        by_person = credit(period, group="person", scope=branch)
        tables.append(CreditTable(_("By person"), _("Person"), _named(people, by_person), total(by_person)))
        teams = db.session.execute(select(Team.id, Team.name).where(Team.branch_id == user.branch_id)
                                   .order_by(Team.name, Team.id)).all()
        by_team = credit(period, group="team", scope=branch)
        tables.append(CreditTable(_("By team"), _("Team"), _named(teams, by_team, _("No team")), total(by_team)))
    elif scopes == ("branch",):
        branches = db.session.execute(select(Branch.id, Branch.name).order_by(Branch.code)).all()
        by_branch = credit(period, group="branch")
        tables.append(CreditTable(_("By branch"), _("Branch"), _named(branches, by_branch), total(by_branch)))
    return tables
