"""A/B/C tiers: the rules that suggest one, and a person setting or overriding it with a reason."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import audit, clock, policies, refdata
from app.core.extensions import db
from app.core.refusals import InvalidInput, PolicyError
from app.models import ASSET_BAND_RANK, Customer, Tier, TierChange, TierRule, User

TIER_METRICS = ("assets", "loan_need", "products", "introduced", "introduced_tree")
# Customers introduced (directly, and in the whole tree below): read only when an active rule asks for them.
INTRODUCED_METRICS = ("introduced", "introduced_tree")


def all_tier_rules() -> list[TierRule]:
    """Every tier rule, active or not, in the order the admin table shows them."""
    return list(db.session.scalars(select(TierRule).order_by(TierRule.tier, TierRule.metric, TierRule.id)))


def load_tier_rules() -> list[TierRule]:
    return list(db.session.scalars(select(TierRule).where(TierRule.active.is_(True))))


def customer_metrics(customer: Customer, *, introductions: bool = False) -> dict[str, int]:
    """The numbers tier rules compare: asset band rank, loan need in 万 yuan, products held, and (when asked
    for: one recursive statement) the customers it introduced directly and in its whole tree."""
    metrics = {
        "assets": ASSET_BAND_RANK.get(customer.asset_band or "", -1),
        "loan_need": (customer.loan_need_amount or 0) // 10_000,
        "products": customer.products_held or 0,
    }
    if introductions:
        from app.introducers.graph import introduced_counts  # the introducer graph reads customers too

        direct, tree = introduced_counts(customer.id) if customer.id else (0, 0)
        metrics.update(introduced=direct, introduced_tree=tree)
    return metrics


def suggest_tier(customer: Customer, rules: Iterable[TierRule] | Iterable[refdata.Rule]) -> str:
    """A if any A rule holds, else B if any B rule holds, else C."""
    rules = list(rules)
    metrics = customer_metrics(customer, introductions=any(r.metric in INTRODUCED_METRICS for r in rules))
    for tier in (Tier.A, Tier.B):
        for rule in rules:
            if rule.tier == tier and rule.metric in metrics and metrics[rule.metric] >= rule.threshold:
                return tier.value
    return Tier.C.value


def create_tier_rule(actor: User, *, tier: str, metric: str, threshold: int) -> TierRule:
    """Add a rule to the table that suggests tiers (admin only)."""
    if not policies.can_manage_tier_rules(actor):
        raise PolicyError("cannot manage tier rules")
    rule = TierRule(tier=tier, metric=metric, threshold=threshold)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "tier_rule_create", subject_type="tier_rule", subject_id=rule.id, tier=tier, metric=metric,
                 threshold=threshold)
    return rule


def toggle_tier_rule(actor: User, rule: TierRule) -> None:
    """Switch a rule off or on; rules are kept, never deleted."""
    if not policies.can_manage_tier_rules(actor):
        raise PolicyError("cannot manage tier rules")
    rule.active = not rule.active
    audit.record(actor, "tier_rule_toggle", subject_type="tier_rule", subject_id=rule.id, active=rule.active)


def set_tier(actor: User, customer: Customer, tier: str, reason: str) -> TierChange:
    """Set or override the tier with a reason; the change is kept with who, when, from, to, why."""
    if not policies.can_set_tier(actor, customer):
        raise PolicyError("cannot set tier")
    if tier == customer.tier:
        raise InvalidInput({"tier": _l("The customer already has this tier.")})
    change = TierChange(customer_id=customer.id, from_tier=customer.tier, to_tier=tier,
                        suggested_tier=suggest_tier(customer, load_tier_rules()), reason=reason.strip()[:300],
                        user_id=actor.id, at=clock.now())
    customer.tier = tier
    customer.updated_at = change.at
    customer.updated_by_id = actor.id
    db.session.add(change)
    audit.record(actor, "tier_change", subject_type="customer", subject_id=customer.id, customer_id=customer.id,
                 branch_id=customer.branch_id, old=change.from_tier, new=tier, reason=change.reason)
    db.session.flush()
    from app.followups.rhythm import replan_for_tier  # imported here: app.followups imports the customer area

    replan_for_tier(customer, actor, reason_key=f"tier:{change.id}")
    return change


