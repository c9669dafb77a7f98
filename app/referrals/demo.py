"""Demo referrals for `flask demo-data`: every status, some overdue, both ways between the wealth manager
and the credit manager, and from the lobby. Made through the services with the clock moved, so shares,
audit rows and timeline entries are exactly what real use writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core import clock
from app.core.extensions import db
from app.core.refusals import InvalidInput
from app.models import Customer, User
from app.referrals import sending, workflow

# (sender, recipient, need, days ago it was sent, the actions taken one after another, note)
SCENARIOS = (
    ("manager", "credit", "loan", 0, (), "客户咨询房贷,首付已备好"),
    ("manager", "credit", "loan", 3, (), "经营贷需求,尽快联系"),  # overdue
    ("lobby", "credit", "card", 2, (), "大堂客户想办信用卡"),  # overdue
    ("lobby", "manager", "wealth", 0, (), "理财到期,想了解新产品"),
    ("manager", "credit", "loan", 6, ("accept",), "车贷"),
    ("manager", "credit", "corporate", 8, ("accept", "contact"), None),
    ("manager", "credit", "loan", 12, ("accept", "contact", ("convert", {"product": "个人住房贷款", "amount": "800000"})),
     "房贷,已看好房子"),
    ("manager", "credit", "loan", 20, ("accept", "contact", ("convert", {"product": "经营贷", "amount": "300000"})), None),
    ("manager", "credit", "loan", 15, ("accept", "contact", ("close", {"reason": "客户选择了他行利率"})), None),
    ("manager", "credit", "insurance", 9, (("decline", {"reason": "保险需求请转理财经理"}),), None),
    ("manager", "credit", "deposit", 4, ("withdraw",), "客户已自行办理"),
    ("credit", "manager", "wealth", 1, (), "贷款客户有闲置资金"),
    ("credit", "manager", "wealth", 10, ("accept", "contact", ("convert", {"product": "稳健理财", "amount": "200000"})),
     None),
    ("credit", "manager", "insurance", 5, ("accept",), None),
)


def _working_morning(days_ago: int, now: datetime) -> datetime:
    """10:00 Beijing time `days_ago` days back, moved back to a weekday."""
    day = (now + timedelta(hours=8)).date() - timedelta(days=days_ago)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def _send(sender: User, pool: list[Customer], start: int, *, recipient: User, need: str, note: str | None):
    """Send on the first customer from `start` on without the same open referral (small demo databases)."""
    for offset in range(len(pool)):
        try:
            return sending.send_referral(sender, pool[(start + offset) % len(pool)], recipient_id=recipient.id,
                                         need=need, note=note, origin="lobby" if sender.role == "lobby" else "customer")
        except InvalidInput:
            continue
    return None


def build_demo_referrals(users: dict[str, User]) -> int:
    """The scenarios above on customers of the east branch's managers; returns how many were made."""
    now = clock.now()
    customers = {name: list(db.session.scalars(select(Customer).where(Customer.owner_id == users[name].id)
                                               .order_by(Customer.id).limit(20))) for name in ("manager", "credit")}
    made = 0
    try:
        for i, (sender, recipient, need, days_ago, actions, note) in enumerate(SCENARIOS):
            # The sender's own customer (lobby staff refer the wealth manager's walk-ins).
            pool = customers["credit" if sender == "credit" else "manager"]
            at = min(_working_morning(days_ago, now), now) if days_ago else now - timedelta(minutes=30)
            clock.freeze(at)
            referral = _send(users[sender], pool, i, recipient=users[recipient], need=need, note=note)
            if referral is None:
                continue
            for step, action in enumerate(actions):
                name, given = (action, {}) if isinstance(action, str) else action
                clock.freeze(min(at + timedelta(hours=1 + step * 20), now))
                actor = users[sender] if name == "withdraw" else users[recipient]
                workflow.act(actor, referral, name, expected_version=referral.version,
                             given=workflow.ActionInput(**given))
            made += 1
    finally:
        clock.freeze(None)
    db.session.flush()
    return made
