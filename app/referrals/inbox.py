"""The referral inbox: to me, from me, the whole branch; filters, overdue first, one statement a page."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, and_, bindparam, case, false, func, or_, select, true
from sqlalchemy.orm import aliased

from app.core import clock, policies, refdata, worker_copies
from app.core.extensions import db
from app.core.scoping import branch_scope
from app.core.validation import (
    DAY_OUT_OF_RANGE,
    END_BEFORE_START,
    START_AFTER_TODAY,
    DayOutOfRange,
    day_param,
)
from app.customers.search import id_param
from app.models import AuditEvent, Customer, CustomerShare, Referral, ReferralNeed, ReferralStatus, User
from app.referrals.transitions import AUDIT_ACTIONS

TABS = ("to_me", "from_me", "branch")
SENDER, RECIPIENT = aliased(User), aliased(User)


def tabs_for(user: User) -> tuple[str, ...]:
    """Lobby staff only send; supervisors and admin also see the whole branch (admin: every branch)."""
    if user.role == "lobby":
        return ("from_me",)
    if user.role == "manager":
        return ("to_me", "from_me")
    return ("branch", "from_me") if user.role == "supervisor" else ("branch",)


def _typed_day(values, name: str, errors: dict, typed: dict) -> date | None:
    """A date filter: garbled is dropped; a real date no record can have is kept as typed, with its message."""
    raw = values.get(name)
    try:
        return day_param(raw)
    except DayOutOfRange:
        errors[name], typed[name] = DAY_OUT_OF_RANGE, raw
        return None


@dataclass
class InboxFilters:
    tab: str = "to_me"
    status: str = ""
    need: str = ""
    person: int | None = None
    start: date | None = None
    end: date | None = None
    page: int = 1
    # A date the list cannot be filtered by: field ("start", "end") -> message; the list is not read then.
    errors: dict = field(default_factory=dict, compare=False)
    typed: dict = field(default_factory=dict, compare=False)  # an out-of-range date as typed, to show it again

    @classmethod
    def from_values(cls, user: User, values) -> InboxFilters:
        """The filters from the query string; odd values are dropped, dates out of range or in the wrong order
        come back with a message for their field."""
        tabs = tabs_for(user)
        tab = values.get("tab", "")
        status, need = values.get("status", ""), values.get("need", "")
        errors: dict = {}
        typed: dict = {}
        start, end = _typed_day(values, "start", errors, typed), _typed_day(values, "end", errors, typed)
        if start and start > clock.local_today():
            errors["start"] = START_AFTER_TODAY
        elif start and end and start > end:
            errors["end"] = END_BEFORE_START
        return cls(tab=tab if tab in tabs else tabs[0],
                   status=status if status in set(ReferralStatus) | {"overdue", "open"} else "",
                   need=need if need in set(ReferralNeed) else "",
                   person=id_param(values.get("person")), start=start, end=end,
                   page=min(id_param(values.get("page")) or 1, 10_000), errors=errors, typed=typed)

    def shown(self, name: str) -> str:
        """What a date field shows: the day, or the out-of-range date as it was typed."""
        day = getattr(self, name)
        return day.isoformat() if day else self.typed.get(name, "")

    def url_params(self, **changes) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("errors", "typed")}
        values.update(changes)
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()
                if v not in (None, "") and not (k == "page" and v == 1)}


# The statements take their values as bound parameters and are built once per shape of filters (which tab,
# which filters are set), like graph.CHAIN: building and cache-keying a select of this size cost more than
# running it.
NOW = bindparam("now", type_=Referral.accept_due_at.type)
OPEN_STATUSES = ("sent", "accepted", "contacted")


def overdue_condition(now):
    """Still waiting for an answer after its accept-by time (`now`: a datetime or the NOW parameter)."""
    return and_(Referral.status == ReferralStatus.SENT.value, Referral.accept_due_at < now)


# What a row needs besides the referral: the customer's scope and names (never its numbers but the masked
# mobile), and both parties' names.
ROW_COLUMNS = (Customer.name.label("customer_name"), Customer.owner_id.label("customer_owner_id"),
               Customer.branch_id.label("customer_branch_id"), Customer.mobile_masked.label("customer_mobile"),
               SENDER.display_name.label("sender_name"), RECIPIENT.display_name.label("recipient_name"))


def _base() -> Select:
    overdue = case((overdue_condition(NOW), 1), else_=0).label("overdue")
    # Whether the viewer shares the row's customer (the masking rule reads it): in the row, not a second query.
    viewer_shares = (select(CustomerShare.user_id).where(CustomerShare.customer_id == Referral.customer_id,
                                                         CustomerShare.user_id == bindparam("viewer_id"))
                     .exists().label("viewer_shares"))
    # Who answered for the recipient (a supervisor), read from the accept's audit entry in the row: the
    # referral keeps no actor, and the customer + action index finds the entry among the customer's few.
    answered_by = (select(User.display_name).join(AuditEvent, AuditEvent.actor_id == User.id)
                   .where(AuditEvent.customer_id == Referral.customer_id,
                          AuditEvent.action == AUDIT_ACTIONS["accept"], AuditEvent.subject_type == "referral",
                          AuditEvent.subject_id == Referral.id, AuditEvent.actor_id != Referral.recipient_id)
                   .order_by(AuditEvent.at.desc()).limit(1).scalar_subquery().label("accepted_by_name"))
    # Plain rows, not ORM objects: the inbox only shows them (an action loads its referral again).
    return (select(*Referral.__table__.c, *ROW_COLUMNS, overdue, viewer_shares, answered_by)
            .join(Customer, Customer.id == Referral.customer_id)
            .join(SENDER, SENDER.id == Referral.sender_id)
            .join(RECIPIENT, RECIPIENT.id == Referral.recipient_id))


ONE_ROW = _base().where(Referral.id == bindparam("referral_id"))


def _local_bounds(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(tz))


def _inbox_order() -> tuple:
    """Overdue first, then the newest."""
    return case((overdue_condition(NOW), 0), else_=1), Referral.sent_at.desc(), Referral.id.desc()


def _who(user: User, tab: str) -> tuple[str, dict]:
    """Which referrals a tab holds for `user`: the shape of the condition and its values."""
    if tab in ("to_me", "from_me"):
        return tab, {"user_id": user.id}
    if tab == "branch" and policies.can_see_branch_referrals(user):
        scope, branch_id = branch_scope(user)
        return ("all", {}) if scope == "all" else (("branch", {"branch_id": branch_id}) if scope == "branch"
                                                   else ("none", {}))
    return "none", {}


@lru_cache(maxsize=512)
def _page_statement(who: str, status: str, need: bool, person: bool, start: bool, end: bool) -> Select:
    """One page of the inbox for a shape of filters: the page's ids from the referral table alone, then joined
    to their customers and people (joining first would join every referral of the tab before sorting)."""
    ids = select(Referral.id)
    ids = ids.where({"to_me": Referral.recipient_id == bindparam("user_id"),
                     "from_me": Referral.sender_id == bindparam("user_id"),
                     "branch": Referral.branch_id == bindparam("branch_id"),
                     "all": true(), "none": false()}[who])
    if status == "overdue":
        ids = ids.where(overdue_condition(NOW))
    elif status == "open":
        ids = ids.where(Referral.status.in_(OPEN_STATUSES))
    elif status:
        ids = ids.where(Referral.status == bindparam("status"))
    if need:
        ids = ids.where(Referral.need == bindparam("need"))
    if person:
        ids = ids.where(or_(Referral.sender_id == bindparam("person"), Referral.recipient_id == bindparam("person")))
    if start:
        ids = ids.where(Referral.sent_at >= bindparam("start", type_=Referral.sent_at.type))
    if end:
        ids = ids.where(Referral.sent_at < bindparam("end", type_=Referral.sent_at.type))
    page = ids.order_by(*_inbox_order()).limit(bindparam("limit")).offset(bindparam("offset")).subquery()
    return _base().join(page, page.c.id == Referral.id).order_by(*_inbox_order())


@dataclass
class InboxPage:
    rows: list  # result rows: the referral's columns, customer_name, ..., overdue
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def inbox(user: User, filters: InboxFilters, *, per_page: int | None = None) -> InboxPage:
    """One page of the inbox, in one statement (none when the dates cannot filter it: an empty page would say
    there is nothing in a period that was never read)."""
    if filters.errors:
        return InboxPage([], filters.page, False)
    per_page = per_page or current_app.config["REFERRALS_PER_PAGE"]
    who, params = _who(user, filters.tab)
    status = filters.status if filters.status in ("overdue", "open") else ("one" if filters.status else "")
    tz = current_app.config["DISPLAY_TIMEZONE"]
    params.update(now=clock.now(), limit=per_page + 1, offset=(filters.page - 1) * per_page, viewer_id=user.id)
    if status == "one":
        params["status"] = filters.status
    if filters.need:
        params["need"] = filters.need
    if filters.person:
        params["person"] = filters.person
    if filters.start:
        params["start"] = _local_bounds(filters.start, tz)
    if filters.end:
        params["end"] = _local_bounds(filters.end + timedelta(days=1), tz)
    statement = _page_statement(who, status, bool(filters.need), bool(filters.person), bool(filters.start),
                                bool(filters.end))
    rows = db.session.execute(statement, params).all()
    return InboxPage(rows[:per_page], filters.page, len(rows) > per_page)


def one_row(viewer: User, referral_id: int):
    """One referral as an inbox row for `viewer` (after an action, the row replaces itself)."""
    return db.session.execute(ONE_ROW, {"referral_id": referral_id, "now": clock.now(), "viewer_id": viewer.id}).one()


def waiting_count(user: User) -> int:
    """The badge: referrals sent to the user and not answered yet (a COUNT on ix_referral_recipient_status)."""
    return db.session.scalar(select(func.count()).select_from(Referral).where(
        Referral.recipient_id == user.id, Referral.status == ReferralStatus.SENT.value)) or 0


def people_choices(user: User) -> list[tuple[int, str]]:
    """The person filter: staff of the user's branch (every staff member for admin)."""
    return [(c.id, c.name) for c in refdata.staff(user)]


worker_copies.keep("referral inbox statements", _page_statement.cache_clear)
