"""Customers and what hangs off them: activities, tier changes, tier rules."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.extensions import db
from app.core.privacy import decrypt_pfi
from app.models.org import Branch, User
from app.models.types import UTCDateTime

if TYPE_CHECKING:
    from app.models.referral import CustomerShare


class CustomerKind(StrEnum):
    INDIVIDUAL = "individual"
    BUSINESS = "business"


class Source(StrEnum):
    WALK_IN = "walk_in"
    PHONE = "phone"
    CUSTOMER_REFERRAL = "customer_referral"
    PARTNER_REFERRAL = "partner_referral"
    MARKET_OUTREACH = "market_outreach"
    ONLINE = "online"
    EVENT = "event"


class Status(StrEnum):
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    DORMANT = "dormant"
    LOST = "lost"


class Tier(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class ActivityKind(StrEnum):
    CALL = "call"
    EFFECTIVE_CALL = "effective_call"
    VISIT = "visit"
    MESSAGE = "message"
    MEETING = "meeting"


class Outcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    INTERESTED = "interested"
    NOT_INTERESTED = "not_interested"
    APPOINTMENT = "appointment"
    FOLLOW_UP = "follow_up"
    DEAL = "deal"


KIND_LABELS = {CustomerKind.INDIVIDUAL: _l("Individual"), CustomerKind.BUSINESS: _l("Small business")}
SOURCE_LABELS = {
    Source.WALK_IN: _l("Walk-in"),
    Source.PHONE: _l("Phone"),
    Source.CUSTOMER_REFERRAL: _l("Introduced by a customer"),
    Source.PARTNER_REFERRAL: _l("Introduced by a partner"),
    Source.MARKET_OUTREACH: _l("Market outreach"),
    Source.ONLINE: _l("Online"),
    Source.EVENT: _l("Event"),
}
STATUS_LABELS = {
    Status.PROSPECT: _l("Prospect"),
    Status.CUSTOMER: _l("Customer"),
    Status.DORMANT: _l("Dormant"),
    Status.LOST: _l("Lost"),
}
ACTIVITY_LABELS = {
    ActivityKind.CALL: _l("Call"),
    ActivityKind.EFFECTIVE_CALL: _l("Effective call"),
    ActivityKind.VISIT: _l("Visit"),
    ActivityKind.MESSAGE: _l("Message"),
    ActivityKind.MEETING: _l("Meeting"),
}
OUTCOME_LABELS = {
    Outcome.REACHED: _l("Reached"),
    Outcome.NO_ANSWER: _l("No answer"),
    Outcome.INTERESTED: _l("Interested"),
    Outcome.NOT_INTERESTED: _l("Not interested"),
    Outcome.APPOINTMENT: _l("Appointment agreed"),
    Outcome.FOLLOW_UP: _l("Follow up later"),
    Outcome.DEAL: _l("Deal closed"),
}
# Bands are stored as codes; their order is their rank (tier rules compare ranks).
INCOME_BANDS = {
    "lt_50k": _l("under ¥50k a year"),
    "50k_100k": _l("¥50k–100k a year"),
    "100k_300k": _l("¥100k–300k a year"),
    "300k_1m": _l("¥300k–1m a year"),
    "ge_1m": _l("¥1m+ a year"),
}
ASSET_BANDS = {
    "lt_50k": _l("under ¥50k"),
    "50k_500k": _l("¥50k–500k"),
    "500k_3m": _l("¥500k–3m"),
    "3m_6m": _l("¥3m–6m"),
    "ge_6m": _l("¥6m+"),
}
TURNOVER_BANDS = {
    "lt_1m": _l("under ¥1m a year"),
    "1m_10m": _l("¥1m–10m a year"),
    "10m_50m": _l("¥10m–50m a year"),
    "50m_200m": _l("¥50m–200m a year"),
    "ge_200m": _l("¥200m+ a year"),
}
ASSET_BAND_RANK = {code: rank for rank, code in enumerate(ASSET_BANDS)}
# Field names as people read them (edit history, conflict view).
FIELD_LABELS = {
    "kind": _l("Type"), "name": _l("Name"), "mobile": _l("Mobile"), "id_number": _l("ID card number"),
    "occupation": _l("Occupation"), "area": _l("Area"), "address": _l("Address"), "income_band": _l("Income"),
    "asset_band": _l("Assets"), "uscc": _l("Unified social credit code"), "industry": _l("Industry"),
    "contact_name": _l("Contact person"), "turnover_band": _l("Turnover"), "needs": _l("Needs"),
    "loan_need_amount": _l("Loan need"), "products_held": _l("Products held with us"), "source": _l("Source"),
    "status": _l("Status"), "notes": _l("Notes"), "marketing_consent": _l("Marketing consent"),
    "sensitive_consent": _l("Sensitive data consent"),
}


ACTIVE_ONLY = {
    "sqlite_where": text("archived_at IS NULL"),
    "postgresql_where": text("archived_at IS NULL"),
}


class Customer(db.Model):
    __tablename__ = "customer"
    __table_args__ = (
        # List pages read only active customers: partial indexes keep archived rows out, so the capped
        # count and page N (deferred join on id) are answered from the index alone. Every index a list
        # may pick is partial (else SQLite counts through a full one and reads each row to check
        # archived_at), and ends with id, the sort's tie-break (else PostgreSQL sorts the whole branch).
        Index("ix_customer_branch_updated", "branch_id", "updated_at", "id", **ACTIVE_ONLY),
        Index("ix_customer_branch_created", "branch_id", "created_at", "id", **ACTIVE_ONLY),
        Index("ix_customer_branch_tier_updated", "branch_id", "tier", "updated_at", "id", **ACTIVE_ONLY),
        Index("ix_customer_owner_updated", "owner_id", "branch_id", "updated_at", "id", **ACTIVE_ONLY),
        Index("ix_customer_owner_tier", "owner_id", "branch_id", "tier", **ACTIVE_ONLY),  # "my customers" per tier
        Index("ix_customer_updated", "updated_at", "id", **ACTIVE_ONLY),
        # The list sorted by name, and a manager's one-character search by what a colleague's mask shows
        # (a range on name_search, code point order on both databases: the column is "C" on PostgreSQL).
        Index("ix_customer_branch_name", "branch_id", "name_search", "id", **ACTIVE_ONLY),
        Index("ix_customer_branch_last4", "branch_id", "mobile_last4", **ACTIVE_ONLY),
        # One record per person in the whole bank: the database is the last word on duplicates, also when
        # two branches create the same person at once (the duplicate check alone races).
        Index("uq_customer_mobile_hash", "mobile_hash", unique=True,
              sqlite_where=text("mobile_hash IS NOT NULL"), postgresql_where=text("mobile_hash IS NOT NULL")),
        Index("uq_customer_id_number_hash", "id_number_hash", unique=True,
              sqlite_where=text("id_number_hash IS NOT NULL"),
              postgresql_where=text("id_number_hash IS NOT NULL")),
        Index("uq_customer_uscc", "uscc", unique=True,
              sqlite_where=text("uscc IS NOT NULL"), postgresql_where=text("uscc IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default=CustomerKind.INDIVIDUAL.value)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    name: Mapped[str] = mapped_column(String(100))
    name_search: Mapped[str] = mapped_column(String(100).with_variant(String(100, collation="C"), "postgresql"))
    # Personal numbers: AES-GCM ciphertext, a keyed hash for exact lookup, and the last four for 尾号.
    mobile_enc: Mapped[str | None] = mapped_column(String(120))
    mobile_hash: Mapped[str | None] = mapped_column(String(64))
    mobile_last4: Mapped[str | None] = mapped_column(String(4))
    # mask("mobile", ...) kept beside the ciphertext: what every list shows, without decrypting 50 values.
    mobile_masked: Mapped[str | None] = mapped_column(String(16))
    id_number_enc: Mapped[str | None] = mapped_column(String(120))
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(8))
    birthday: Mapped[date | None] = mapped_column(Date)
    occupation: Mapped[str | None] = mapped_column(String(60))
    area: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(200))
    income_band: Mapped[str | None] = mapped_column(String(12))
    asset_band: Mapped[str | None] = mapped_column(String(12))

    uscc: Mapped[str | None] = mapped_column(String(18))
    industry: Mapped[str | None] = mapped_column(String(60))
    contact_name: Mapped[str | None] = mapped_column(String(60))
    turnover_band: Mapped[str | None] = mapped_column(String(12))

    needs: Mapped[str | None] = mapped_column(Text)
    loan_need_amount: Mapped[int | None] = mapped_column(Integer)  # yuan
    products_held: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=Status.PROSPECT.value)
    tier: Mapped[str] = mapped_column(String(1), default=Tier.C.value)

    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    marketing_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marketing_consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    sensitive_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    sensitive_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sensitive_consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    branch: Mapped[Branch] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    # Colleagues who work the customer beside its owner (accepted referrals); read by policies.works_customer.
    shares: Mapped[list[CustomerShare]] = relationship(lazy="select")

    @property
    def mobile(self) -> str | None:
        """The full mobile number; only mask() or the audited reveal may show it."""
        return decrypt_pfi("mobile", self.mobile_enc)

    @property
    def id_number(self) -> str | None:
        return decrypt_pfi("id_number", self.id_number_enc)

    @property
    def is_business(self) -> bool:
        return self.kind == CustomerKind.BUSINESS.value

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Customer {self.id}>"


class CustomerNameKey(db.Model):
    """One way of typing a customer's name (app/customers/name_keys.py): a name search is a key range.

    Written by whoever writes a customer's name (the services, the demo and bench loaders); branch_id
    is copied so a branch's search reads only its own entries. Keys compare by code point on both
    databases (PostgreSQL's "C" collation, SQLite's BINARY), which the prefix range relies on."""

    __tablename__ = "customer_name_key"
    __table_args__ = (
        Index("ix_customer_name_key_key", "key", "customer_id"),  # admin: every branch
        Index("ix_customer_name_key_customer_id", "customer_id"),  # rewriting one customer's keys
        # A manager's search finds colleagues' customers only by the mask: their own keys, from the index alone.
        Index("ix_customer_name_key_owner", "branch_id", "owner_id", "key", "customer_id"),
        {"sqlite_with_rowid": False},
    )

    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(60).with_variant(String(60, collation="C"), "postgresql"),
                                     primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    # A copy of customer.owner_id, kept by a trigger (app/models/tally.py); no foreign key of its own, the
    # customer's is the one that counts.
    owner_id: Mapped[int]


class Activity(db.Model):
    """A contact with a customer (call, visit, ...) and its outcome."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_customer_at", "customer_id", "at"),
        Index("ix_activity_user_at", "user_id", "at"),
        Index("ix_activity_branch_at", "branch_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()


class TierChange(db.Model):
    """Every tier decision: who, when, from, to and why."""

    __tablename__ = "tier_change"
    __table_args__ = (Index("ix_tier_change_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    from_tier: Mapped[str | None] = mapped_column(String(1))
    to_tier: Mapped[str] = mapped_column(String(1))
    suggested_tier: Mapped[str | None] = mapped_column(String(1))
    reason: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()


class TierRule(db.Model):
    """An admin-configured rule: a customer whose metric reaches the threshold deserves the tier."""

    __tablename__ = "tier_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[str] = mapped_column(String(1))
    metric: Mapped[str] = mapped_column(String(20))
    threshold: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
