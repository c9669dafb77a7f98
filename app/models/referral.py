"""Referrals (引见): internal hand-offs between colleagues, and who introduced whom from outside the bank."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.extensions import db
from app.core.privacy import decrypt_pfi
from app.models.org import User
from app.models.types import UTCDateTime


class ReferralNeed(StrEnum):
    DEPOSIT = "deposit"
    WEALTH = "wealth"
    LOAN = "loan"
    CARD = "card"
    INSURANCE = "insurance"
    CORPORATE = "corporate"
    OTHER = "other"


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONTACTED = "contacted"
    CONVERTED = "converted"
    CLOSED = "closed"  # contacted, no sale
    WITHDRAWN = "withdrawn"  # the sender took it back before it was accepted


OPEN_REFERRAL_STATUSES = (ReferralStatus.SENT.value, ReferralStatus.ACCEPTED.value, ReferralStatus.CONTACTED.value)


class ReferralAccess(StrEnum):
    """What the recipient of an accepted referral gets (a branch setting)."""

    SHARED = "shared"  # shared access, owner unchanged (the default)
    OWNER = "owner"  # the customer moves to the recipient


class PartnerCategory(StrEnum):
    CENTER_OF_INFLUENCE = "coi"  # 圈内中心人物
    REAL_ESTATE = "real_estate"
    CAR_DEALER = "car_dealer"
    EMPLOYER_HR = "employer_hr"
    OTHER = "other"


class PartnerKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


NEED_LABELS = {
    ReferralNeed.DEPOSIT: _l("Deposit"),
    ReferralNeed.WEALTH: _l("Wealth management"),
    ReferralNeed.LOAN: _l("Loan"),
    ReferralNeed.CARD: _l("Card"),
    ReferralNeed.INSURANCE: _l("Insurance"),
    ReferralNeed.CORPORATE: _l("Corporate banking"),
    ReferralNeed.OTHER: _l("Other"),
}
REFERRAL_STATUS_LABELS = {
    ReferralStatus.SENT: _l("Sent"),
    ReferralStatus.ACCEPTED: _l("Accepted"),
    ReferralStatus.DECLINED: _l("Declined"),
    ReferralStatus.CONTACTED: _l("Contacted"),
    ReferralStatus.CONVERTED: _l("Converted"),
    ReferralStatus.CLOSED: _l("Closed without sale"),
    ReferralStatus.WITHDRAWN: _l("Withdrawn"),
}
REFERRAL_ACCESS_LABELS = {
    ReferralAccess.SHARED: _l("Shared access, owner unchanged"),
    ReferralAccess.OWNER: _l("The recipient becomes the owner"),
}
PARTNER_CATEGORY_LABELS = {
    PartnerCategory.CENTER_OF_INFLUENCE: _l("Center of influence"),
    PartnerCategory.REAL_ESTATE: _l("Real-estate agent"),
    PartnerCategory.CAR_DEALER: _l("Car dealer"),
    PartnerCategory.EMPLOYER_HR: _l("Employer HR"),
    PartnerCategory.OTHER: _l("Other partner"),
}
PARTNER_KIND_LABELS = {PartnerKind.PERSON: _l("Person"), PartnerKind.ORGANISATION: _l("Organisation")}


class Referral(db.Model):
    """An internal referral: sender hands customer to recipient for one need."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_recipient_status", "recipient_id", "status", "sent_at"),  # my inbox, the badge
        Index("ix_referral_sender_sent", "sender_id", "sent_at"),
        Index("ix_referral_branch_status_due", "branch_id", "status", "accept_due_at"),  # overdue first
        Index("ix_referral_branch_sent", "branch_id", "sent_at"),
        Index("ix_referral_customer_sent", "customer_id", "sent_at"),
        # Sending twice (double click, two tabs) never opens two referrals of one customer for one need.
        Index("uq_referral_open", "customer_id", "recipient_id", "need", unique=True,
              sqlite_where=text("status IN ('sent', 'accepted', 'contacted')"),
              postgresql_where=text("status IN ('sent', 'accepted', 'contacted')")),
        CheckConstraint("sender_id <> recipient_id", name="not_to_self"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))  # the customer's branch when sent
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    need: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(12), default="customer", server_default="customer")  # or "lobby"
    status: Mapped[str] = mapped_column(String(12), default=ReferralStatus.SENT.value)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    accept_due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # overdue when still "sent" after this
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # accepted or declined
    decline_reason: Mapped[str | None] = mapped_column(String(300))
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # converted, closed or withdrawn
    close_reason: Mapped[str | None] = mapped_column(String(300))
    product: Mapped[str | None] = mapped_column(String(60))  # what was won
    amount: Mapped[int | None] = mapped_column(Integer)  # yuan
    access_given: Mapped[str | None] = mapped_column(String(8))  # ReferralAccess applied on accept
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    sender: Mapped[User] = relationship(foreign_keys=[sender_id])
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.status}>"


class CustomerShare(db.Model):
    """A colleague who works a customer beside its owner (given by an accepted referral)."""

    __tablename__ = "customer_share"
    __table_args__ = (Index("ix_customer_share_user", "user_id", "customer_id"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Partner(db.Model):
    """Someone outside the bank who introduces prospects: a person or an organisation."""

    __tablename__ = "partner"
    __table_args__ = (
        Index("ix_partner_branch_name", "branch_id", "name_search", **{
            "sqlite_where": text("archived_at IS NULL"), "postgresql_where": text("archived_at IS NULL")}),
        Index("ix_partner_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(12), default=PartnerKind.PERSON.value)
    category: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    name_search: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str | None] = mapped_column(String(100))
    contact_name: Mapped[str | None] = mapped_column(String(60))
    # Contact numbers are kept like a customer's: ciphertext, keyed hash, last four, the masked form.
    mobile_enc: Mapped[str | None] = mapped_column(String(120))
    mobile_hash: Mapped[str | None] = mapped_column(String(64))
    mobile_last4: Mapped[str | None] = mapped_column(String(4))
    mobile_masked: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])

    @property
    def mobile(self) -> str | None:
        return decrypt_pfi("mobile", self.mobile_enc)

    def __repr__(self) -> str:
        return f"<Partner {self.id}>"


class Introduction(db.Model):
    """Who introduced a customer: exactly one introducer, a customer or a partner (the edge of the tree).

    One row per introduced customer; changing the introducer rewrites it and appends IntroductionChange."""

    __tablename__ = "introduction"
    __table_args__ = (
        Index("ix_introduction_by_customer", "introducer_customer_id", "customer_id"),  # a tree level
        Index("ix_introduction_by_partner", "introducer_partner_id", "customer_id"),
        # The leaderboard's period, covering the introducer columns it groups by: no table read per row.
        Index("ix_introduction_branch_at", "branch_id", "introduced_at", "introducer_customer_id",
              "introducer_partner_id"),
        CheckConstraint("(introducer_customer_id IS NULL) <> (introducer_partner_id IS NULL)",
                        name="one_introducer"),
        CheckConstraint("introducer_customer_id IS NULL OR introducer_customer_id <> customer_id",
                        name="not_self"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))  # the introduced customer's branch
    introducer_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    introducer_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    introduced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))


class IntroducerTally(db.Model):
    """The yield of one introducer's whole tree, kept current by app/introducers/tally.py on every write that
    changes it (introducer set/changed/removed, a node's status, a converted referral), so that a customer page
    or a leaderboard reads it in one indexed row instead of walking thousands of nodes."""

    __tablename__ = "introducer_tally"
    __table_args__ = (CheckConstraint("(customer_id IS NULL) <> (partner_id IS NULL)", name="one_introducer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), unique=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), unique=True)
    direct: Mapped[int] = mapped_column(Integer, default=0)  # introduced by this introducer itself
    total: Mapped[int] = mapped_column(Integer, default=0)  # everyone below, at any depth
    converted: Mapped[int] = mapped_column(Integer, default=0)  # of those, customers (or dormant ones)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)  # their converted referrals, in yuan


class IntroductionChange(db.Model):
    """Every introducer a customer had: set, changed or removed, by whom and why."""

    __tablename__ = "introduction_change"
    __table_args__ = (Index("ix_introduction_change_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    from_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    from_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    to_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    to_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    reason: Mapped[str | None] = mapped_column(String(300))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
