"""What the lobby's card, queue and TV screen print, computed once in Python: masked, labelled, timed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from app.core import clock, policies, worker_copies
from app.core.extensions import db
from app.core.labels import LABELS
from app.core.privacy import mask, mask_numbers_in_text
from app.lobby.services import local_day
from app.models import (
    OPEN_REFERRAL_STATUSES,
    Appointment,
    Customer,
    QueueStatus,
    Referral,
    User,
    WalkIn,
    WalkInOutcome,
)


def surname_title(name: str | None, gender: str | None) -> str:
    """王女士 / 张先生: what the lobby and the TV call a customer (never the full name); the masked name when the
    gender is unknown."""
    if not name:
        return ""
    surname = name.strip()[:1]
    if gender == "male":
        return _("Mr. %(surname)s", surname=surname)
    if gender == "female":
        return _("Ms. %(surname)s", surname=surname)
    return mask("name", name)


def walk_in_name(walk_in: WalkIn) -> str:
    if walk_in.customer is not None:
        return surname_title(walk_in.customer.name, walk_in.customer.gender)
    return mask_numbers_in_text(walk_in.visitor_name or "") or _("Visitor")


@dataclass(frozen=True)
class LobbyCard:
    """The masked card of a customer found at the lobby (what customers.card shows, plus the lobby's part)."""

    customer: Customer
    full: bool
    called: str
    open_referrals: int
    appointment: Appointment | None
    priority: bool
    owner_name: str


@lru_cache(maxsize=1)
def _card_statement():
    """The card's open referrals and today's first appointment (its id) in one statement, built once with values
    bound; the appointment itself is read only when there is one."""
    open_referrals = select(func.count(Referral.id)).where(
        Referral.customer_id == bindparam("customer_id"), Referral.status.in_(OPEN_REFERRAL_STATUSES))
    appointment = (select(Appointment.id).where(Appointment.customer_id == bindparam("customer_id"),
                                                Appointment.start_at >= bindparam("start"),
                                                Appointment.start_at < bindparam("end"),
                                                Appointment.status.in_(("proposed", "held", "confirmed")))
                   .order_by(Appointment.start_at).limit(1))
    return select(open_referrals.scalar_subquery().label("open_referrals"),
                  appointment.scalar_subquery().label("appointment_id"))


def lobby_card(user: User, customer: Customer) -> LobbyCard:
    day = local_day()
    tz = current_app.config["DISPLAY_TIMEZONE"]
    start = datetime.combine(day, datetime.min.time(), tzinfo=clock.local(clock.now(), tz).tzinfo)
    found = db.session.execute(_card_statement(), {"customer_id": customer.id, "start": start,
                                                   "end": start + timedelta(days=1)}).one()
    appointment = db.session.get(Appointment, found.appointment_id) if found.appointment_id else None
    open_referrals = found.open_referrals or 0
    from app.lobby.services import alert_tiers

    return LobbyCard(customer, policies.sees_full_record(user, customer), surname_title(customer.name, customer.gender),
                     open_referrals, appointment, customer.tier in alert_tiers(), customer.owner.display_name)


def who_to_call(customer: Customer | None) -> str | None:
    """The owner the lobby tells the customer about when their tier alerts the owner (优质客户), else None."""
    from app.lobby.services import alert_tiers

    if customer is None or customer.tier not in alert_tiers():
        return None
    return customer.owner.display_name


@dataclass(frozen=True)
class QueueRow:
    id: int
    queue_no: int
    name: str
    need: str
    status: str
    status_label: str
    specialist: str  # handed to, or who serves
    minutes: int  # waiting (waiting rows), serving for (serving rows), waited (done rows)
    since: datetime | None
    called: bool
    outcome_label: str
    mine: bool


def _minutes(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, int((end - start).total_seconds() // 60))


def queue_rows(viewer: User, walk_ins) -> list[QueueRow]:
    needs, statuses, outcomes = LABELS.walk_in_need, LABELS.queue_status, LABELS.walk_in_outcome
    now = clock.now()
    rows = []
    for w in walk_ins:
        if w.queue_status == QueueStatus.WAITING.value:
            minutes, since = _minutes(w.arrived_at, now), w.arrived_at
        elif w.queue_status == QueueStatus.SERVING.value:
            minutes, since = _minutes(w.started_at, now), w.started_at
        else:
            minutes, since = _minutes(w.arrived_at, w.started_at or w.finished_at), w.finished_at
        # Who has the visitor: whoever serves them, the specialist they wait for, or the one they were booked with.
        serving = w.served_by is not None and w.queue_status != "waiting" and w.outcome != WalkInOutcome.BOOKED.value
        person = w.served_by if serving else w.handed_to
        rows.append(QueueRow(w.id, w.queue_no, walk_in_name(w), needs.get(w.need, w.need), w.queue_status,
                             statuses.get(w.queue_status, w.queue_status), person.display_name if person else "",
                             minutes, since, w.called_at is not None, outcomes.get(w.outcome or "", ""),
                             viewer.id in (w.handed_to_id, w.served_by_id)))
    return rows


worker_copies.keep("lobby card statement", _card_statement.cache_clear)
