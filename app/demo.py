"""The demo world for `flask demo-data`: two branches, their teams and staff (later: customers)."""

from __future__ import annotations

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import Branch, Role, Specialty, Team, User

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

    return [
        ("admin", "系统管理员 administrator"),
        ("lobby", "大堂经理 lobby staff, 城东支行"),
        ("manager", "客户经理 (理财) wealth manager, 城东支行"),
        ("credit", "客户经理 (信贷) credit manager, 城东支行"),
        ("supervisor", "团队经理 supervisor, 城东支行"),
        ("manager2", "客户经理 (零售) retail manager, 城西支行"),
        ("supervisor2", "团队经理 supervisor, 城西支行"),
    ]
