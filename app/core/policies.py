"""Every yes/no about access, in one place; routes abort on False and templates hide buttons with them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Integer, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY

from app.core.scoping import in_branch_scope, in_own_branch
from app.models import Appointment, Customer, CustomerShare, FollowUp, Partner, Referral, User


def _same_branch(user: User, customer: Customer) -> bool:
    return in_own_branch(user, customer.branch_id)


def can_list_customers(user: User) -> bool:
    """Lobby staff find customers only through the lobby lookup and the summary card."""
    return user.role in ("manager", "supervisor", "admin")


def can_view_customer(user: User, customer: Customer) -> bool:
    """Open the customer page (full or limited view)."""
    if user.role == "admin":
        return True
    return user.role in ("manager", "supervisor") and _same_branch(user, customer)


def can_view_card(user: User, customer: Customer) -> bool:
    """See the masked summary card (lobby staff included)."""
    return user.role == "admin" or _same_branch(user, customer)


def owns(user: User, customer: Customer) -> bool:
    return customer.owner_id == user.id


def works_customer(user: User, customer: Customer) -> bool:
    """The owner, or a colleague an accepted referral gave shared access (customer.shares, loaded once)."""
    if owns(user, customer):
        return True
    return user.role == "manager" and _same_branch(user, customer) \
        and any(share.user_id == user.id for share in customer.shares)


def sees_full_fields(user: User, owner_id: int, branch_id: int, shared: bool = False) -> bool:
    """sees_full_record for a customer known only by its owner, branch and whether `user` shares it."""
    if user.role == "admin":
        return True
    if not in_own_branch(user, branch_id):
        return False
    return user.role == "supervisor" or (user.role == "manager" and (owner_id == user.id or shared))


def shares_matter(user: User) -> bool:
    """Whether a customer shared with `user` changes what they see of it (only a branch's managers)."""
    return user.role == "manager" and user.branch_id is not None


def sees_masked_names(user: User) -> bool:
    """Whether lists show `user` some customers of their scope with a masked name (a manager: colleagues')."""
    return shares_matter(user)


def full_record_rule(user: User, customer_ids: Iterable[int] = (), *,
                     shared: set[int] | None = None) -> Callable[..., bool]:
    """sees_full_fields with the user bound, for a list page of `customer_ids`: rule(owner_id, branch_id,
    customer_id). The user's shares among them are read in one query, and only when a row needs it; `shared`:
    those shares, when the page's own statement read them."""
    if shared is None:
        shared = shared_customer_ids(user, customer_ids) if shares_matter(user) else set()
    return lambda owner_id, branch_id, customer_id=None: sees_full_fields(
        user, owner_id, branch_id, customer_id in shared)


# shared_customer_ids' statement, built once per engine kind: PostgreSQL takes the page's ids as one array
# (= ANY), which it plans once, where a list of 50 parameters cost it 0.5 ms more per page.
_SHARES_AMONG = {
    "postgresql": select(CustomerShare.customer_id).where(
        CustomerShare.user_id == bindparam("user_id"),
        CustomerShare.customer_id == any_(bindparam("ids", type_=ARRAY(Integer)))),
    "sqlite": select(CustomerShare.customer_id).where(
        CustomerShare.user_id == bindparam("user_id"), CustomerShare.customer_id.in_(bindparam("ids", expanding=True))),
}


def shared_customer_ids(user: User, customer_ids: Iterable[int]) -> set[int]:
    """Which of `customer_ids` an accepted referral shares with `user` (one query; none for no ids)."""
    ids = list(customer_ids)
    if not ids:
        return set()
    from app.core.extensions import db

    statement = _SHARES_AMONG[db.session.get_bind().dialect.name]
    return set(db.session.scalars(statement, {"user_id": user.id, "ids": ids}))


def sees_full_record(user: User, customer: Customer) -> bool:
    """Owner, colleagues sharing the customer, supervisor and admin see names and details; other managers
    see a masked record."""
    if user.role == "manager" and in_own_branch(user, customer.branch_id) and not owns(user, customer):
        return works_customer(user, customer)
    return sees_full_fields(user, customer.owner_id, customer.branch_id)


def can_edit_customer(user: User, customer: Customer) -> bool:
    if customer.archived:
        return False
    if user.role == "supervisor":
        return _same_branch(user, customer)
    return user.role == "manager" and _same_branch(user, customer) and works_customer(user, customer)


def can_create_customer(user: User) -> bool:
    return user.role in ("manager", "supervisor") and user.branch_id is not None


def can_reveal(user: User, customer: Customer) -> bool:
    """See a full personal number (with a reason, fresh login, audited). Never lobby staff."""
    return sees_full_record(user, customer)


def can_log_activity(user: User, customer: Customer) -> bool:
    return can_edit_customer(user, customer)


def can_set_tier(user: User, customer: Customer) -> bool:
    return can_edit_customer(user, customer)


def can_archive(user: User, customer: Customer) -> bool:
    return can_edit_customer(user, customer)


def can_restore(user: User, customer: Customer) -> bool:
    return customer.archived and user.role == "supervisor" and _same_branch(user, customer)


def can_view_archived(user: User) -> bool:
    """The archived list is where a supervisor restores customers."""
    return user.role == "supervisor"


def can_reassign(user: User, customer: Customer | None = None) -> bool:
    if user.role != "supervisor":
        return False
    return customer is None or _same_branch(user, customer)


def sees_every_branch(user: User) -> bool:
    """Admin's lists cover every branch: they show each row's branch and filter by it."""
    return user.role == "admin"


def can_read_audit(user: User) -> bool:
    return user.role in ("supervisor", "admin")


def can_manage_tier_rules(user: User) -> bool:
    return user.role == "admin"


# ---------------------------------------------------------------- external introducers (partners, who introduced whom)


def can_list_partners(user: User) -> bool:
    """Partners are the sales staff's outside contacts; lobby staff do not work them."""
    return user.role in ("manager", "supervisor", "admin")


def can_view_partner(user: User, partner: Partner) -> bool:
    if user.role == "admin":
        return True
    return user.role in ("manager", "supervisor") and in_own_branch(user, partner.branch_id)


def can_create_partner(user: User) -> bool:
    return user.role in ("manager", "supervisor") and user.branch_id is not None


def can_edit_partner(user: User, partner: Partner) -> bool:
    """The owner, or the branch's supervisor; an archived partner is read-only."""
    if partner.archived_at is not None or not in_own_branch(user, partner.branch_id):
        return False
    return user.role == "supervisor" or (user.role == "manager" and partner.owner_id == user.id)


def can_archive_partner(user: User, partner: Partner) -> bool:
    return can_edit_partner(user, partner)


def sees_node(user: User, branch_id: int) -> bool:
    """A node of a chain or tree (or a leaderboard row) shows its name only to users of its branch
    (security.md A8): anyone else sees "another branch", no name, no number."""
    return user.role in ("manager", "supervisor", "admin") and in_branch_scope(user, branch_id)


def can_set_introducer(user: User, customer: Customer) -> bool:
    """Set, change or remove who introduced a customer: whoever may edit the customer."""
    return can_edit_customer(user, customer)


def can_ask_introductions(user: User, customer: Customer) -> bool:
    """Record prospects a customer introduces: log on the customer, and create customers."""
    return can_log_activity(user, customer) and can_create_customer(user)


def can_view_leaderboard(user: User) -> bool:
    return user.role in ("manager", "supervisor", "admin")
# ---------------------------------------------------------------- appointments (约见)


def can_view_appointments(user: User, customer: Customer) -> bool:
    """See a customer's appointments: whoever may open the customer page."""
    return can_view_customer(user, customer)


def can_book_appointment(user: User, customer: Customer) -> bool:
    """Book for a customer: its owner (into their own calendar) or the branch supervisor (into the owner's)."""
    if customer.archived or not _same_branch(user, customer):
        return False
    return user.role == "supervisor" or (user.role == "manager" and owns(user, customer))


def can_act_on_appointment(user: User, appointment: Appointment) -> bool:
    """Confirm, choose, cancel, mark done or no-show, reschedule: the staff member, the customer's owner,
    the branch supervisor."""
    if not in_own_branch(user, appointment.branch_id):
        return False
    if user.role == "supervisor":
        return True
    return user.role == "manager" and user.id in (appointment.staff_id, appointment.customer.owner_id)


def can_view_appointment(user: User, appointment: Appointment) -> bool:
    """One appointment (its .ics): whoever may see the customer's appointments."""
    return can_view_appointments(user, appointment.customer)


def can_view_calendar(user: User) -> bool:
    """The appointments calendar: the sales staff of a branch (lobby and admin hold no appointments)."""
    return user.role in ("manager", "supervisor") and user.branch_id is not None


def can_view_team_calendar(user: User) -> bool:
    """The whole branch's calendar, or a colleague's: supervisors and branch heads, of their own branch."""
    return user.role == "supervisor" and user.branch_id is not None


def can_view_staff_calendar(user: User, staff: User) -> bool:
    """One staff member's calendar: their own, or any sales colleague's of the branch for its supervisor."""
    if not can_view_calendar(user) or not in_own_branch(user, staff.branch_id):
        return False
    if staff.role not in ("manager", "supervisor"):
        return False
    return staff.id == user.id or can_view_team_calendar(user)


def can_subscribe_calendar(user: User) -> bool:
    """A private subscription URL to one's own appointments (phone calendar apps)."""
    return can_view_calendar(user)
# ---------------------------------------------------------------- referrals (内部引见)


def can_send_referral(user: User, customer: Customer) -> bool:
    """Hand a customer of one's own branch to a colleague: lobby staff, managers and supervisors."""
    return user.role in ("lobby", "manager", "supervisor") and _same_branch(user, customer) \
        and not customer.archived


def can_receive_referral(user: User) -> bool:
    """Referrals go to account managers (the specialists)."""
    return user.role == "manager" and user.active and user.branch_id is not None


def referral_parts(user: User, referral: Referral) -> frozenset[str]:
    """The parts `user` plays in a referral: sender, recipient, supervisor (of the referral's branch)."""
    parts = set()
    if referral.sender_id == user.id:
        parts.add("sender")
    if referral.recipient_id == user.id:
        parts.add("recipient")
    if user.role == "supervisor" and in_own_branch(user, referral.branch_id):
        parts.add("supervisor")
    return frozenset(parts)


def can_see_referral(user: User, referral: Referral) -> bool:
    """Either party, the branch's supervisor and admin; for anyone else it does not exist (404)."""
    return user.role == "admin" or bool(referral_parts(user, referral))


def referral_actions(user: User, referral: Referral) -> list[str]:
    """The transition table (app/referrals/transitions.py) decides which actions `user` may take now: the
    status each starts from and who may take it."""
    from app.referrals.transitions import TRANSITIONS

    parts = referral_parts(user, referral)
    return [name for name, transition in TRANSITIONS.items()
            if referral.status in transition.sources and transition.actors & parts]


def can_act_on_referral(user: User, referral: Referral, action: str) -> bool:
    return action in referral_actions(user, referral)


def can_see_branch_referrals(user: User) -> bool:
    """The "whole branch" tab of the inbox."""
    return user.role in ("supervisor", "admin")


def sees_referral_customer(user: User, customer: Customer) -> bool:
    """A referral's customer is named and linked only for those who may open its page; lobby staff get the
    masked card data; anyone else sees "another branch" (security.md A8)."""
    return can_view_customer(user, customer)


def credit_scopes(user: User) -> tuple[str, ...]:
    """Which referral credit views a role sees: own, the branch per person and team, every branch."""
    return {"manager": ("person",), "supervisor": ("person", "team", "branch"),
            "admin": ("branch",)}.get(user.role, ())


# ---------------------------------------------------------------- follow-ups (回访/跟进)


def has_my_day(user: User) -> bool:
    """My day: account managers (their home) and supervisors (who may open theirs too)."""
    return user.role in ("manager", "supervisor")


def can_view_follow_ups(user: User, customer: Customer) -> bool:
    """A customer's follow-ups: whoever may open the customer page."""
    return can_view_customer(user, customer)


def can_add_follow_up(user: User, customer: Customer) -> bool:
    """Plan a follow-up: a manager who works the customer, or the branch supervisor."""
    if customer.archived or not _same_branch(user, customer):
        return False
    return user.role == "supervisor" or (user.role == "manager" and works_customer(user, customer))


def can_act_on_follow_up(user: User, follow_up: FollowUp) -> bool:
    """Complete, snooze or cancel: its assignee, the customer's owner, or the branch supervisor."""
    if not in_own_branch(user, follow_up.branch_id):
        return False
    if user.role == "supervisor":
        return True
    return user.role == "manager" and user.id in (follow_up.assignee_id, follow_up.customer.owner_id)


def can_reassign_follow_ups(user: User) -> bool:
    """Give a follow-up to another account manager: the branch supervisor."""
    return user.role == "supervisor"


# ---------------------------------------------------------------- lobby (大堂)


def can_log_walk_ins(user: User) -> bool:
    """Look customers up by mobile and log walk-ins: the lobby staff of a branch."""
    return user.role == "lobby" and user.branch_id is not None


def can_see_queue(user: User) -> bool:
    """The branch's live queue: lobby staff, the specialists and the supervisor of a branch."""
    return user.role in ("lobby", "manager", "supervisor") and user.branch_id is not None


def can_see_walk_in(user: User, walk_in) -> bool:
    """A walk-in exists only for the staff of its branch (admin included); anyone else gets 404."""
    return in_branch_scope(user, walk_in.branch_id)


def can_work_queue(user: User, walk_in) -> bool:
    """Call, start and finish serving: the branch's specialists (account managers) and its supervisor."""
    return user.role in ("manager", "supervisor") and in_own_branch(user, walk_in.branch_id)


def can_mark_left(user: User, walk_in) -> bool:
    """Record that a waiting customer left: the branch's lobby staff, specialists and supervisor."""
    return user.role in ("lobby", "manager", "supervisor") and in_own_branch(user, walk_in.branch_id)


def can_read_lobby_log(user: User) -> bool:
    """The walk-in numbers: lobby staff and supervisors of their branch, admin of every branch."""
    return user.role == "admin" or (user.role in ("lobby", "supervisor") and user.branch_id is not None)


def gets_walk_in_alerts(user: User) -> bool:
    """Owners of customers (account managers and supervisors) are told when a priority customer walks in."""
    return user.role in ("manager", "supervisor")


def can_book_from_lobby(user: User, staff: User, customer: Customer) -> bool:
    """Book a confirmed appointment from the lobby ("appointment booked"): lobby staff, for a customer of their
    branch with a specialist (an active account manager) of their branch. The lobby still never opens the
    customer page: the booking goes through the walk-in form and its answer only."""
    return (can_log_walk_ins(user) and not customer.archived and _same_branch(user, customer)
            and can_receive_referral(staff) and in_own_branch(user, staff.branch_id))


# Who can be marked present or away: the branch's specialists (account managers) and its supervisor.
PRESENCE_ROLES = ("manager", "supervisor")


def can_see_presence(user: User) -> bool:
    """Who is present today (the lobby's picker, the queue page, my day): the staff of a branch's lobby and
    sales."""
    return user.role in ("lobby", "manager", "supervisor") and user.branch_id is not None


def can_set_presence(user: User, staff: User) -> bool:
    """Mark `staff` present or away for today: a specialist or supervisor marks themselves; the supervisor also
    marks a colleague of the branch. Lobby staff and admin mark nobody."""
    if staff.role not in PRESENCE_ROLES or not staff.active or not in_own_branch(user, staff.branch_id):
        return False
    if user.id == staff.id:
        return user.role in PRESENCE_ROLES
    return user.role == "supervisor"
