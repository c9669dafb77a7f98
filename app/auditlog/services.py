"""Reading the audit log: the scoped query (dates, staff member, action, customer; a page at a time)
and the presenter that turns each event into a line a compliance officer reads: labels for actions,
roles and fields, people's names instead of ids, the customer's name as the reader may see it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import clock, policies
from app.core.extensions import db
from app.core.labels import LABELS
from app.core.privacy import mask, mask_numbers_in_text
from app.core.scoping import audit_events_visible_to, branch_predicate, customers_visible_to, staff_visible_to
from app.introducers.graph import Ref
from app.models import (
    APPOINTMENT_EVENT_LABELS,
    ASSET_BANDS,
    FOLLOW_UP_EVENT_LABELS,
    AuditEvent,
    Branch,
    Customer,
    Partner,
    Team,
    User,
)
from app.referrals.transitions import ALL_AUDIT_ACTIONS as REFERRAL_AUDIT_ACTIONS

PER_PAGE = 50

# Every action the app records, as people name it; the filter offers them in this order.
ACTION_LABELS = {
    "customer_view": _l("Viewed a customer"),
    "reveal": _l("Revealed a full number"),
    "number_search": _l("Searched by a full number"),
    "duplicate_check": _l("Checked a number for duplicates"),
    "customer_create": _l("Created a customer"),
    "customer_update": _l("Changed customer details"),
    "customer_reassign": _l("Reassigned a customer"),
    "tier_change": _l("Changed a tier"),
    "customer_archive": _l("Archived a customer"),
    "customer_restore": _l("Restored a customer"),
    "referral_send": _l("Sent a referral"),
    "referral_accept": _l("Accepted a referral"),
    "referral_decline": _l("Declined a referral"),
    "referral_withdraw": _l("Withdrew a referral"),
    "referral_contact": _l("Contacted a referred customer"),
    "referral_convert": _l("Converted a referral"),
    "referral_close": _l("Closed a referral without sale"),
    "referral_reassign": _l("Passed a referral to another colleague"),
    "introducer_change": _l("Changed who introduced a customer"),
    "partner_create": _l("Added a partner"),
    "partner_update": _l("Changed a partner"),
    "partner_archive": _l("Archived a partner"),
    "tier_rule_create": _l("Added a tier rule"),
    "tier_rule_toggle": _l("Switched a tier rule"),
    "tier_rhythm_change": _l("Changed the return-visit rhythm"),
    **APPOINTMENT_EVENT_LABELS,  # the customer timeline's names for them
    **FOLLOW_UP_EVENT_LABELS,
    "staff_presence": _l("Marked present or away"),
    "walk_in_log": _l("Logged a walk-in"),
    "walk_in_call": _l("Called a walk-in"),
    "walk_in_start": _l("Started serving a walk-in"),
    "walk_in_finish": _l("Finished serving a walk-in"),
    "walk_in_left": _l("Recorded that a walk-in left"),
    "calendar_feed_create": _l("Made a calendar subscription URL"),
    "calendar_feed_revoke": _l("Revoked the calendar subscription URL"),
    "login": _l("Signed in"),
    "login_failed": _l("Failed sign-in"),
    "login_locked": _l("Sign-in refused (locked)"),
    "logout": _l("Signed out"),
    "reauth_failed": _l("Failed identity check"),
    "reauth_locked": _l("Identity check refused (locked)"),
    "password_change": _l("Changed own password"),
    "password_change_failed": _l("Failed password change"),
    "password_change_locked": _l("Password change refused (locked)"),
    "password_reset": _l("Reset a password"),
    "user_create": _l("Created a staff account"),
    "user_update": _l("Changed a staff account"),
    "user_deactivate": _l("Deactivated a staff account"),
    "user_reactivate": _l("Reactivated a staff account"),
    "user_sessions_revoke": _l("Ended someone's sessions"),
    "branch_create": _l("Created a branch"),
    "branch_update": _l("Changed a branch"),
    "branch_deactivate": _l("Closed a branch"),
    "branch_reactivate": _l("Reopened a branch"),
    "team_create": _l("Created a team"),
    "team_update": _l("Changed a team"),
    "team_deactivate": _l("Closed a team"),
    "team_reactivate": _l("Reopened a team"),
}
# Field names of staff, branch and team changes (customer fields come from models.FIELD_LABELS).
RECORD_FIELD_LABELS = {
    "username": _l("Username"), "display_name": _l("Name"), "employee_no": _l("Employee number"),
    "role": _l("Role"), "specialty": _l("Specialty"), "branch_id": _l("Branch"), "team_id": _l("Team"),
    "language": _l("Language"), "active": _l("Active"), "code": _l("Code"), "name": _l("Name"),
    "leader_id": _l("Team leader"),
}
PARTNER_FIELD_LABELS = {
    "kind": _l("Person or organisation"), "category": _l("Category"), "name": _l("Name"),
    "organisation": _l("Organisation"), "contact_name": _l("Contact person"), "mobile": _l("Mobile"),
    "notes": _l("Notes"), "owner_id": _l("Owner"),
}
RULE_METRIC_LABELS = {"assets": _l("assets"), "loan_need": _l("loan need (¥10k)"), "products": _l("products held")}
LANGUAGE_NAMES = {"zh_Hans_CN": "简体中文", "en": "English"}


@dataclass
class AuditFilters:
    date_from: date | None = None
    date_to: date | None = None
    actor_id: int | None = None
    branch_id: int | None = None  # admin only (policies.sees_every_branch); ignored for anyone else
    action: str = ""
    customer_id: int | None = None
    page: int = 1


@dataclass(slots=True)
class AuditLine:
    """One event as the table shows it."""

    id: int
    when: str
    actor: str
    role: str
    action: str
    customer_id: int | None
    customer: str  # the name as the reader may see it ("" when the event is about no customer)
    customer_viewable: bool
    sentence: str
    ip: str
    branch: str = ""  # the event's branch, for readers who see every branch ("" for the others)


@dataclass
class AuditPage:
    lines: list[AuditLine]
    page: int
    has_next: bool
    filters: AuditFilters = field(default_factory=AuditFilters)
    invalid: bool = False  # the filter could not be applied: no events are read, the form says why

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _day_start(day: date) -> datetime:
    """Midnight of a day in the display time zone (what people mean by a date), as an aware datetime."""
    return datetime.combine(day, time(), ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))


def events_query(viewer: User, filters: AuditFilters):
    """The events the viewer may read that pass the filters, newest first (supervisors: their branch)."""
    stmt = audit_events_visible_to(viewer)
    if filters.date_from:
        stmt = stmt.where(AuditEvent.at >= _day_start(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.branch_id and policies.sees_every_branch(viewer):
        stmt = stmt.where(AuditEvent.branch_id == filters.branch_id)  # ix_audit_event_branch_at, as a supervisor's
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.customer_id:
        stmt = stmt.where(AuditEvent.customer_id == filters.customer_id)
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def audit_page(viewer: User, filters: AuditFilters, *, per_page: int = PER_PAGE) -> AuditPage:
    """One page of the log as lines; no total is counted (a bank's log is long), only whether more follow."""
    page = max(1, min(filters.page, 10_000))
    events = list(db.session.scalars(events_query(viewer, filters).limit(per_page + 1)
                                     .offset((page - 1) * per_page)))
    return AuditPage(present(viewer, events[:per_page]), page, len(events) > per_page, filters)


def unread_page(filters: AuditFilters) -> AuditPage:
    """The answer to a filter that cannot be applied (a bad date, the end before the start): no events at all,
    rather than events that only seem to honour it."""
    return AuditPage([], 1, False, filters, invalid=True)


def staff_choices(viewer: User) -> list[tuple[int, str]]:
    """Whose actions the viewer may filter by: the staff of their branch (admin: everyone, each with a branch)."""
    every_branch = policies.sees_every_branch(viewer)
    columns = [User.id, User.display_name, User.employee_no]
    stmt = staff_visible_to(viewer).with_only_columns(*columns)
    if every_branch:  # one join, not a look-up a person
        stmt = stmt.add_columns(Branch.name.label("branch")).outerjoin(Branch, Branch.id == User.branch_id)
    rows = db.session.execute(stmt.order_by(User.display_name)).all()
    return [(r.id, f"{r.display_name} ({r.employee_no})" + (f" · {r.branch}" if every_branch and r.branch else ""))
            for r in rows]


def branch_choices(viewer: User) -> list[tuple[int, str]]:
    """The branches a reader who sees every branch may filter by, by code (nobody else gets the filter)."""
    if not policies.sees_every_branch(viewer):
        return []
    return [(r.id, r.name) for r in db.session.execute(select(Branch.id, Branch.name).order_by(Branch.code))]


def join_sentences(parts: Iterable[str]) -> str:
    """Sentences one after another: Chinese runs them on (a full stop 。 needs no space), English spaces them."""
    locale = get_locale()
    return ("" if locale is not None and locale.language in ("zh", "ja") else " ").join(parts)


# ---------------------------------------------------------------- the presenter


class _Names:
    """Names of the people, customers, branches and teams a page of events mentions, each loaded once."""

    def __init__(self, viewer: User, events: list[AuditEvent]):
        users, customers, branches, teams, partners = set(), set(), set(), set(), set()
        every_branch = policies.sees_every_branch(viewer)
        for event in events:
            users.add(event.actor_id)
            if every_branch and event.branch_id:
                branches.add(event.branch_id)  # the branch column, in the same one query as branch subjects
            if event.customer_id:
                customers.add(event.customer_id)
            details = event.details or {}
            if event.action == "customer_reassign":
                users.update(v for v in (details.get("old"), details.get("new")) if isinstance(v, int))
            if event.action == "introducer_change":
                for ref in filter(None, (Ref.parse(details.get("old")), Ref.parse(details.get("new")))):
                    (customers if ref.kind == "c" else partners).add(ref.id)
            subject = {"user": users, "branch": branches, "team": teams,
                       "partner": partners}.get(event.subject_type or "")
            if subject is not None and event.subject_id:
                subject.add(event.subject_id)
            for name, change in (details.get("changes") or {}).items():
                target = {"branch_id": branches, "team_id": teams, "leader_id": users}.get(name)
                if target is not None and isinstance(change, list):
                    target.update(v for v in change if isinstance(v, int))
        users.discard(None)
        self.users = self._load(User.id, User.display_name, users)
        self.branches = self._load(Branch.id, Branch.name, branches)
        self.teams = self._load(Team.id, Team.name, teams)
        self.partners = dict(db.session.execute(
            select(Partner.id, Partner.name).where(Partner.id.in_(partners),
                                                   branch_predicate(viewer, Partner.branch_id))).all()) \
            if partners else {}
        # Only customers the viewer may see get a name; the scope is the same as the customer list's.
        rows = db.session.execute(customers_visible_to(viewer, include_archived=True)
                                  .with_only_columns(Customer.id, Customer.name, Customer.owner_id,
                                                     Customer.branch_id)
                                  .where(Customer.id.in_(customers))).all() if customers else []
        sees_full = policies.full_record_rule(viewer, [r.id for r in rows if r.owner_id != viewer.id])
        self.customers = {r.id: r.name if sees_full(r.owner_id, r.branch_id, r.id) else mask("name", r.name)
                          for r in rows}

    @staticmethod
    def _load(id_column, name_column, ids: set) -> dict[int, str]:
        if not ids:
            return {}
        return dict(db.session.execute(select(id_column, name_column).where(id_column.in_(ids))).all())

    def introducer(self, raw: Any) -> str:
        """"c:12" / "p:3" as the introducer's name (a customer's as the reader may see it)."""
        ref = Ref.parse(raw if isinstance(raw, str) else None)
        if ref is None:
            return _("nobody")
        if ref.kind == "c":
            return self.customers.get(ref.id) or _("customer no. %(id)s", id=ref.id)
        return _("partner %(name)s", name=self.partners.get(ref.id) or ref.id)

    def user(self, user_id: Any) -> str:
        if user_id is None:
            return "—"
        return self.users.get(user_id) or _("staff member no. %(id)s", id=user_id)


def _empty() -> str:
    return _("(empty)")


def _customer_value(name: str, value: Any) -> str:
    """A customer field's stored (already masked) audit value, as people read it."""
    if value is None or value == "":
        return _empty()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    labels = {"kind": LABELS.kind, "source": LABELS.source, "status": LABELS.status, "income_band": LABELS.income,
              "asset_band": LABELS.assets, "turnover_band": LABELS.turnover}.get(name)
    if labels is not None:
        return labels.get(str(value), str(value))
    if name == "loan_need_amount":  # yuan, written with its unit (the form asks in 万元)
        return _("%(amount)s yuan", amount=mask("amount", value))
    return mask_numbers_in_text(str(value))


def _customer_update(details: dict) -> str:
    """One field's change. Values are stored masked, so two different addresses in one district can read the
    same: then the line says that it changed, not a change from a value to itself."""
    name = details.get("field", "")
    label = LABELS.field.get(name, name)
    old, new = _customer_value(name, details.get("old")), _customer_value(name, details.get("new"))
    if old == new and "*" in new:
        return _("%(field)s changed (the values are masked).", field=label)
    return _("%(field)s: %(old)s → %(new)s", field=label, old=old, new=new)


def _record_value(names: _Names, name: str, value: Any) -> str:
    """A staff, branch or team field's value, as people read it."""
    if value is None or value == "":
        return _empty()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "role":
        return LABELS.role.get(str(value), str(value))
    if name == "specialty":
        return LABELS.specialty.get(str(value), str(value))
    if name == "branch_id":
        return names.branches.get(value, str(value))
    if name == "team_id":
        return names.teams.get(value, str(value))
    if name == "leader_id":
        return names.user(value)
    if name == "language":
        return LANGUAGE_NAMES.get(str(value), str(value))
    return mask_numbers_in_text(str(value))


def _changes(names: _Names, changes: dict) -> str:
    parts = []
    for name, change in changes.items():
        old, new = change if isinstance(change, list) and len(change) == 2 else (None, change)
        label = RECORD_FIELD_LABELS.get(name, name)
        if old is None:
            parts.append(_("%(field)s: %(new)s", field=label, new=_record_value(names, name, new)))
        else:
            parts.append(_("%(field)s: %(old)s → %(new)s", field=label, old=_record_value(names, name, old),
                           new=_record_value(names, name, new)))
    return _("; ").join(parts)


def _reason(details: dict) -> str:
    return mask_numbers_in_text(str(details.get("reason") or "")) or _empty()


def _subject(names: _Names, event: AuditEvent) -> str:
    table = {"user": names.users, "branch": names.branches, "team": names.teams,
             "partner": names.partners}.get(event.subject_type or "", {})
    return table.get(event.subject_id) or "—"


def _number_lookup(details: dict) -> str:
    return _("%(field)s %(term)s: %(hits)s found.", field=LABELS.field.get(details.get("field", ""), _("number")),
             term=mask_numbers_in_text(str(details.get("term") or "")), hits=details.get("hits", 0))


def _rule(details: dict) -> str:
    metric, threshold = details.get("metric"), details.get("threshold")
    if metric == "assets" and isinstance(threshold, int) and 0 <= threshold < len(ASSET_BANDS):
        threshold = LABELS.assets[list(ASSET_BANDS)[threshold]]
    return _("Tier %(tier)s when %(metric)s reaches %(threshold)s.", tier=details.get("tier", "—"),
             metric=RULE_METRIC_LABELS.get(metric, metric or "—"), threshold=threshold)


def _appointment(details: dict) -> str:
    """When it is, with whom and in which status it was booked, the reason it was cancelled (as recorded)."""
    parts = [_("At %(when)s.", when=details.get("when") or "—")]
    if details.get("staff"):
        parts.append(_("With %(name)s.", name=details["staff"]))
    if details.get("status"):
        parts.append(_("Status: %(status)s.", status=LABELS.appointment_status.get(str(details["status"]), "—")))
    if "reason" in details:
        parts.append(_("Reason: %(reason)s", reason=_reason(details)))
    return join_sentences(parts)


def _queue_no(details: dict) -> str:
    return _("Queue number %(no)s.", no=details.get("queue_no") or "—")


def _walk_in(details: dict) -> str:
    """The queue number, the need, what the lobby did and with whom, and whether the owner was alerted."""
    done = {"served": LABELS.walk_in_outcome.get("served"), "handoff": LABELS.walk_in_outcome.get("handed_off"),
            "booked": LABELS.walk_in_outcome.get("booked"), "queue": _("added to the queue")}
    parts = [_("Queue number %(no)s, %(need)s: %(done)s.", no=details.get("queue_no") or "—",
               need=LABELS.walk_in_need.get(str(details.get("need")), "—"),
               done=done.get(str(details.get("done"))) or "—")]
    if details.get("handed_to"):
        parts.append(_("Handed to %(name)s.", name=details["handed_to"]))
    if details.get("booked_with"):
        parts.append(_("Appointment with %(name)s.", name=details["booked_with"]))
    if details.get("alerted"):
        parts.append(_("The owner was alerted."))
    return join_sentences(parts)


def _follow_up(action: str, details: dict) -> str:
    """Its kind and due day, then what the action changed: for whom, from which day, from whom to whom, why."""
    parts = [_("%(kind)s, due %(due)s.", kind=LABELS.follow_up_kind.get(str(details.get("kind")), "—"),
               due=details.get("due") or "—")]
    if details.get("assignee"):
        parts.append(_("For %(name)s.", name=details["assignee"]))
    if details.get("appointment"):
        parts.append(_("Planned after an appointment."))
    if action == "follow_up_snooze" and details.get("old"):
        parts.append(_("Was due %(day)s.", day=details["old"]))
    if action == "follow_up_reassign":
        parts.append(_("From %(old)s to %(new)s.", old=details.get("old") or "—", new=details.get("new") or "—"))
    if "reason" in details:
        parts.append(_("Reason: %(reason)s", reason=_reason(details)))
    return join_sentences(parts)


def _referral(action: str, details: dict) -> str:
    """The need, to whom it went, what the step recorded (access given, what was won, from whom to whom, why)."""
    parts = [_("Need: %(need)s.", need=LABELS.referral_need.get(str(details.get("need")), "—"))]
    if details.get("recipient"):
        parts.append(_("To %(name)s.", name=details["recipient"]))
    if details.get("access"):
        parts.append(_("Access given: %(access)s.", access=LABELS.referral_access.get(str(details["access"]), "—")))
    if action == "referral_convert":
        amount = details.get("amount")
        parts.append(_("Won: %(product)s, %(amount)s yuan.", product=mask_numbers_in_text(
            str(details.get("product") or "—")), amount=f"{amount:,}" if isinstance(amount, int) else "—"))
    if action == "referral_reassign":
        parts.append(_("From %(old)s to %(new)s.", old=details.get("old") or "—", new=details.get("new") or "—"))
    if details.get("note"):
        parts.append(_("Note: %(note)s", note=mask_numbers_in_text(str(details["note"]))))
    if "reason" in details:
        parts.append(_("Reason: %(reason)s", reason=_reason(details)))
    return join_sentences(parts)


def _introducer(names: _Names, details: dict) -> str:
    parts = [_("Introducer: %(old)s → %(new)s.", old=names.introducer(details.get("old")),
               new=names.introducer(details.get("new")))]
    if details.get("reason"):
        parts.append(_("Reason: %(reason)s", reason=_reason(details)))
    return join_sentences(parts)


def _partner_fields(names: _Names, event: AuditEvent, details: dict) -> str:
    """A new partner's fields (stored masked), or the names of the fields an edit changed."""
    fields = details.get("fields")
    if isinstance(fields, dict):
        values = {"kind": LABELS.partner_kind, "category": LABELS.partner_category}
        text = _("; ").join(_("%(field)s: %(new)s", field=PARTNER_FIELD_LABELS.get(k, k),
                              new=values[k].get(str(v), "—") if k in values else mask_numbers_in_text(str(v)))
                            for k, v in fields.items())
    elif isinstance(fields, list):
        text = _("Changed: %(fields)s", fields=_(", ").join(str(PARTNER_FIELD_LABELS.get(k, k)) for k in fields))
    else:
        text = ""
    return _("%(subject)s: %(changes)s", subject=_subject(names, event), changes=text) if text else _subject(names, event)


def _rhythm(details: dict) -> str:
    old, new = details.get("old") or {}, details.get("new") or {}
    changed = [_("Tier %(tier)s: every %(old)s → %(new)s days", tier=tier, old=old.get(tier, "—"), new=days)
               for tier, days in new.items() if old.get(tier) != days]
    return _("; ").join(changed) or _("No change.")


SentenceMaker = Callable[[_Names, AuditEvent, dict], str]
SENTENCES: dict[str, SentenceMaker] = {
    "customer_view": lambda n, e, d: _("Opened the customer's page."),
    "reveal": lambda n, e, d: _("Saw the full %(field)s. Reason: %(reason)s",
                                field=LABELS.field.get(d.get("field", ""), _("number")), reason=_reason(d)),
    "customer_create": lambda n, e, d: _("New record with: %(fields)s.", fields=_("; ").join(
        _("%(field)s: %(new)s", field=LABELS.field.get(k, k), new=_customer_value(k, v))
        for k, v in (d.get("fields") or {}).items()) or _empty()),
    "customer_update": lambda n, e, d: _customer_update(d),
    "customer_reassign": lambda n, e, d: _("Owner changed from %(old)s to %(new)s.", old=n.user(d.get("old")),
                                           new=n.user(d.get("new"))),
    "tier_change": lambda n, e, d: _("Tier %(old)s → %(new)s. Reason: %(reason)s", old=d.get("old") or "—",
                                     new=d.get("new") or "—", reason=_reason(d)),
    "customer_archive": lambda n, e, d: _("Reason: %(reason)s", reason=_reason(d)),
    "customer_restore": lambda n, e, d: _("Back in lists and search."),
    "number_search": lambda n, e, d: _number_lookup(d),
    "duplicate_check": lambda n, e, d: _number_lookup(d),
    "tier_rule_create": lambda n, e, d: _rule(d),
    "tier_rule_toggle": lambda n, e, d: _("The rule is now on.") if d.get("active") else _("The rule is now off."),
    "tier_rhythm_change": lambda n, e, d: _rhythm(d),
    "staff_presence": lambda n, e, d: (_("%(user)s marked present for %(day)s.", user=_subject(n, e),
                                         day=d.get("day") or "—") if d.get("present") else
                                       _("%(user)s marked away for %(day)s.", user=_subject(n, e),
                                         day=d.get("day") or "—")),
    "walk_in_log": lambda n, e, d: _walk_in(d),
    "walk_in_call": lambda n, e, d: _queue_no(d),
    "walk_in_start": lambda n, e, d: _queue_no(d),
    "walk_in_finish": lambda n, e, d: _queue_no(d),
    "walk_in_left": lambda n, e, d: _queue_no(d),
    "calendar_feed_create": lambda n, e, d: _("It replaces the previous URL, which no longer works.")
    if d.get("replaced") else _("The first subscription URL."),
    "calendar_feed_revoke": lambda n, e, d: _("The URL no longer works."),
    "login_failed": lambda n, e, d: _("Account name typed: %(name)s", name=mask_numbers_in_text(
        str(d.get("username") or "")) or _empty()),
    "login_locked": lambda n, e, d: _("Account name typed: %(name)s", name=mask_numbers_in_text(
        str(d.get("username") or "")) or _empty()),
    "password_reset": lambda n, e, d: _("Password of %(user)s.", user=_subject(n, e)),
    "user_sessions_revoke": lambda n, e, d: _("%(count)s sessions of %(user)s ended.",
                                              count=d.get("sessions_ended", 0), user=_subject(n, e)),
}
for _action in APPOINTMENT_EVENT_LABELS:
    SENTENCES[_action] = lambda n, e, d: _appointment(d)
for _action in REFERRAL_AUDIT_ACTIONS:
    SENTENCES[_action] = lambda n, e, d, action=_action: _referral(action, d)
SENTENCES["introducer_change"] = lambda n, e, d: _introducer(n, d)
for _action in ("partner_create", "partner_update", "partner_archive"):
    SENTENCES[_action] = _partner_fields
for _action in FOLLOW_UP_EVENT_LABELS:
    SENTENCES[_action] = lambda n, e, d, action=_action: _follow_up(action, d)
for _action in ("user_create", "user_update", "user_deactivate", "user_reactivate", "branch_create", "branch_update",
                "branch_deactivate", "branch_reactivate", "team_create", "team_update", "team_deactivate",
                "team_reactivate"):
    SENTENCES[_action] = lambda n, e, d: (_("%(subject)s: %(changes)s", subject=_subject(n, e),
                                            changes=_changes(n, d["changes"]))
                                          if d.get("changes") else _subject(n, e))


def _generic(details: dict) -> str:
    """An action this presenter does not know yet: its details, masked."""
    return _("; ").join(f"{LABELS.field.get(k, k)}: {mask_numbers_in_text(str(v))}" for k, v in details.items())


def present(viewer: User, events: Iterable[AuditEvent]) -> list[AuditLine]:
    """The lines of a page of events, as `viewer` may read them."""
    events = list(events)
    names = _Names(viewer, events)
    tz = current_app.config["DISPLAY_TIMEZONE"]
    every_branch = policies.sees_every_branch(viewer)
    lines = []
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        maker = SENTENCES.get(event.action)
        sentence = maker(names, event, details) if maker else _generic(details)
        customer = names.customers.get(event.customer_id) if event.customer_id else None
        lines.append(AuditLine(
            id=event.id,
            when=clock.local(event.at, tz).strftime("%Y-%m-%d %H:%M:%S"),
            actor=names.user(event.actor_id) if event.actor_id else _("(not signed in)"),
            role=LABELS.role.get(event.actor_role or "", "") if event.actor_role else "",
            action=str(ACTION_LABELS.get(event.action, _("Other action"))),
            customer_id=event.customer_id,
            customer=customer or (_("customer no. %(id)s", id=event.customer_id) if event.customer_id else ""),
            customer_viewable=customer is not None,
            sentence=sentence or "—",
            ip=event.ip or "",
            branch=(names.branches.get(event.branch_id) or "—") if every_branch else "",
        ))
    return lines
