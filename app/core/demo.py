"""The demo world for `flask demo-data`: two branches, their teams and staff (later: customers)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from faker import Faker
from sqlalchemy import insert, select

from app.appointments.demo import demo_appointments
from app.auth.passwords import hash_password
from app.core.demo_data import UniqueMobiles, activity_rows, customer_rows
from app.core.extensions import db
from app.customers.name_keys import key_rows
from app.followups.demo import demo_follow_ups
from app.introducers.demo import build_introducers
from app.lobby.demo import build_demo_walk_ins
from app.models import Activity, Branch, Customer, CustomerNameKey, Role, Specialty, Team, TierRule, User
from app.referrals.demo import build_demo_referrals

DEMO_PASSWORD = "yinjian-demo"  # noqa: S105 - documented demo password, demo databases only


def build_demo(*, customers_per_branch: int = 300, seed: int = 20261123) -> list[tuple[str, str]]:
    """Create branches, teams and the demo users; returns (username, description) for printing."""
    east = Branch(code="CD01", name="城东支行")
    west = Branch(code="CX01", name="城西支行")
    db.session.add_all([east, west])
    db.session.flush()
    east_wealth = Team(branch_id=east.id, name="财富管理团队")
    east_credit = Team(branch_id=east.id, name="信贷团队")
    west_team = Team(branch_id=west.id, name="综合营销团队")
    db.session.add_all([east_wealth, east_credit, west_team])
    db.session.flush()

    password_hash = hash_password(DEMO_PASSWORD)
    people = [
        ("admin", "系统管理员", "A0001", Role.ADMIN, None, None, None),
        ("lobby", "王小燕", "E1001", Role.LOBBY, None, east, None),
        ("manager", "张伟", "E1002", Role.MANAGER, Specialty.WEALTH, east, east_wealth),
        ("credit", "李强", "E1003", Role.MANAGER, Specialty.CREDIT, east, east_credit),
        ("supervisor", "陈静", "E1004", Role.SUPERVISOR, None, east, east_wealth),
        ("manager2", "刘洋", "W2001", Role.MANAGER, Specialty.RETAIL, west, west_team),
        ("supervisor2", "赵敏", "W2002", Role.SUPERVISOR, None, west, west_team),
    ]
    users: dict[str, User] = {}
    for username, name, number, role, specialty, branch, team in people:
        user = User(
            username=username,
            display_name=name,
            employee_no=number,
            role=role.value,
            specialty=specialty.value if specialty else None,
            branch_id=branch.id if branch else None,
            team_id=team.id if team else None,
            password_hash=password_hash,
            language="zh_Hans_CN",
        )
        db.session.add(user)
        users[username] = user
    db.session.flush()
    east_wealth.leader_id = users["supervisor"].id
    west_team.leader_id = users["supervisor2"].id
    db.session.flush()

    branches = [(east, [users["manager"], users["credit"]], users["supervisor"]),
                (west, [users["manager2"]], users["supervisor2"])]
    _demo_customers(branches, customers_per_branch=customers_per_branch, seed=seed)
    build_introducers(branches, seed=seed)
    demo_appointments([users["manager"], users["credit"], users["manager2"]])
    build_demo_referrals(users)
    demo_follow_ups([users["manager"], users["credit"], users["manager2"]])
    build_demo_walk_ins(users)
    return [
        ("admin", "系统管理员 administrator"),
        ("lobby", "大堂经理 lobby staff, 城东支行"),
        ("manager", "客户经理 (理财) wealth manager, 城东支行"),
        ("credit", "客户经理 (信贷) credit manager, 城东支行"),
        ("supervisor", "团队经理 supervisor, 城东支行"),
        ("manager2", "客户经理 (零售) retail manager, 城西支行"),
        ("supervisor2", "团队经理 supervisor, 城西支行"),
    ]


DEFAULT_TIER_RULES = [("A", "assets", 3), ("A", "loan_need", 300), ("A", "products", 5),
                      ("B", "assets", 2), ("B", "loan_need", 50), ("B", "products", 2)]


def _demo_customers(branches, *, customers_per_branch: int, seed: int) -> None:
    """About `customers_per_branch` customers per branch with a few activities each."""
    if not db.session.scalar(select(TierRule.id).limit(1)):
        db.session.add_all(TierRule(tier=t, metric=m, threshold=v) for t, m, v in DEFAULT_TIER_RULES)
    rng = random.Random(seed)
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    mobiles = UniqueMobiles(rng)
    now = datetime.now(UTC)
    for branch, owners, creator in branches:
        rows = list(customer_rows(branch_id=branch.id, owner_ids=[o.id for o in owners], creator_id=creator.id,
                                  count=customers_per_branch, rng=rng, faker=faker, mobiles=mobiles, now=now))
        db.session.execute(insert(Customer), rows)
        created = db.session.execute(
            select(Customer.id, Customer.owner_id, Customer.created_at, Customer.name)
            .where(Customer.branch_id == branch.id)
        ).all()
        db.session.execute(insert(CustomerNameKey), key_rows((c.id, branch.id, c.owner_id, c.name) for c in created))
        activities = []
        for customer_id, owner_id, created_at, _name in created:
            activities.extend(activity_rows(customer_id=customer_id, branch_id=branch.id, user_id=owner_id,
                                            count=rng.randrange(0, 6), rng=rng, since=created_at, now=now))
        if activities:
            db.session.execute(insert(Activity), activities)
