"""The referral inbox: to me, from me, the whole branch; filters, overdue first, one statement a page."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import aliased

from app.core import clock, policies
from app.core.extensions import db
from app.core.scoping import branch_predicate
from app.core.validation import day_param
from app.customers.search import id_param
from app.models import Customer, Referral, ReferralNeed, ReferralStatus, User

TABS = ("to_me", "from_me", "branch")
SENDER, RECIPIENT = aliased(User), aliased(User)


def tabs_for(user: User) -> tuple[str, ...]:
    """Lobby staff only send; supervisors and admin also see the whole branch (admin: every branch)."""
    if user.role == "lobby":
        return ("from_me",)
    if user.role == "manager":
        return ("to_me", "from_me")
    return ("branch", "from_me") if user.role == "supervisor" else ("branch",)


@dataclass
class InboxFilters:
    tab: str = "to_me"
    status: str = ""
    need: str = ""
    person: int | None = None
    start: date | None = None
    end: date | None = None
    page: int = 1

    @classmethod
    def from_values(cls, user: User, values) -> InboxFilters:
        """The filters from the query string; odd values are dropped, never an error."""
        tabs = tabs_for(user)
        tab = values.get("tab", "")
        status, need = values.get("status", ""), values.get("need", "")
        return cls(tab=tab if tab in tabs else tabs[0],
                   status=status if status in set(ReferralStatus) | {"overdue", "open"} else "",
                   need=need if need in set(ReferralNeed) else "",
                   person=id_param(values.get("person")), start=day_param(values.get("start")),
                   end=day_param(values.get("end")), page=min(id_param(values.get("page")) or 1, 10_000))

    def url_params(self, **changes) -> dict:
        values = {**asdict(self), **changes}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()
                if v not in (None, "") and not (k == "page" and v == 1)}


def overdue_condition(now: datetime):
    """Still waiting for an answer after its accept-by time."""
    return and_(Referral.status == ReferralStatus.SENT.value, Referral.accept_due_at < now)


# What a row needs besides the referral: the customer's scope and names (never its numbers but the masked
# mobile), and both parties' names.
ROW_COLUMNS = (Customer.name.label("customer_name"), Customer.owner_id.label("customer_owner_id"),
               Customer.branch_id.label("customer_branch_id"), Customer.mobile_masked.label("customer_mobile"),
               SENDER.display_name.label("sender_name"), RECIPIENT.display_name.label("recipient_name"))


def _base(now: datetime) -> Select:
    overdue = case((overdue_condition(now), 1), else_=0).label("overdue")
    # Plain rows, not ORM objects: the inbox only shows them (an action loads its referral again).
    return (select(*Referral.__table__.c, *ROW_COLUMNS, overdue)
            .join(Customer, Customer.id == Referral.customer_id)
            .join(SENDER, SENDER.id == Referral.sender_id)
            .join(RECIPIENT, RECIPIENT.id == Referral.recipient_id))


def _local_bounds(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(tz))


def inbox_ids(user: User, filters: InboxFilters, now: datetime) -> Select:
    """The ids of the referrals in the tab and filters, in the inbox's order (referral columns only)."""
    stmt = select(Referral.id)
    if filters.tab == "to_me":
        stmt = stmt.where(Referral.recipient_id == user.id)
    elif filters.tab == "from_me":
        stmt = stmt.where(Referral.sender_id == user.id)
    elif policies.can_see_branch_referrals(user):
        stmt = stmt.where(branch_predicate(user, Referral.branch_id))
    else:
        stmt = stmt.where(false())
    if filters.status == "overdue":
        stmt = stmt.where(overdue_condition(now))
    elif filters.status == "open":
        stmt = stmt.where(Referral.status.in_(("sent", "accepted", "contacted")))
    elif filters.status:
        stmt = stmt.where(Referral.status == filters.status)
    if filters.need:
        stmt = stmt.where(Referral.need == filters.need)
    if filters.person:
        stmt = stmt.where(or_(Referral.sender_id == filters.person, Referral.recipient_id == filters.person))
    tz = current_app.config["DISPLAY_TIMEZONE"]
    if filters.start:
        stmt = stmt.where(Referral.sent_at >= _local_bounds(filters.start, tz))
    if filters.end:
        stmt = stmt.where(Referral.sent_at < _local_bounds(filters.end + timedelta(days=1), tz))
    return stmt.order_by(*_inbox_order(now))


def _inbox_order(now: datetime) -> tuple:
    """Overdue first, then the newest."""
    return case((overdue_condition(now), 0), else_=1), Referral.sent_at.desc(), Referral.id.desc()


@dataclass
class InboxPage:
    rows: list  # result rows: the referral's columns, customer_name, ..., overdue
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def inbox(user: User, filters: InboxFilters, *, per_page: int | None = None) -> InboxPage:
    """One page of the inbox. The page's referrals are chosen from the referral table alone, then joined to
    their customers and people: joining first would join every referral of the tab before sorting."""
    per_page = per_page or current_app.config["REFERRALS_PER_PAGE"]
    now = clock.now()
    page = (inbox_ids(user, filters, now).limit(per_page + 1).offset((filters.page - 1) * per_page).subquery())
    stmt = _base(now).join(page, page.c.id == Referral.id).order_by(*_inbox_order(now))
    rows = db.session.execute(stmt).all()
    return InboxPage(rows[:per_page], filters.page, len(rows) > per_page)


def one_row(referral_id: int):
    """One referral as an inbox row (after an action, the row replaces itself)."""
    return db.session.execute(_base(clock.now()).where(Referral.id == referral_id)).one()


def waiting_count(user: User) -> int:
    """The badge: referrals sent to the user and not answered yet (a COUNT on ix_referral_recipient_status)."""
    return db.session.scalar(select(func.count()).select_from(Referral).where(
        Referral.recipient_id == user.id, Referral.status == ReferralStatus.SENT.value)) or 0


def people_choices(user: User) -> list[tuple[int, str]]:
    """The person filter: staff of the user's branch (every staff member for admin)."""
    stmt = select(User.id, User.display_name).where(branch_predicate(user, User.branch_id),
                                                     User.role.in_(("lobby", "manager", "supervisor")))
    return [(r.id, r.display_name) for r in db.session.execute(stmt.order_by(User.display_name, User.id))]
